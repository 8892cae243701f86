package flowscale.runtime.report;

import flowscale.loader.AtomicFile;
import flowscale.runtime.data.Images;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The white RGB image with antialiased shapes and text that the PNG charts (the training loss, bench's error-bar
 * and grouped-bar figures) draw on, and the pieces of drawing they share: a vertical axis title and a legend
 * entry. The caller disposes {@link #graphics()}.
 */
public record PlotCanvas(BufferedImage image, Graphics2D graphics) {

    public static PlotCanvas blank(int width, int height) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        return new PlotCanvas(image, g);
    }

    /** Writes a rendered chart as PNG, whole or not at all, creating its directory if needed. */
    public static void writePng(Path file, BufferedImage chart) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        AtomicFile.write(file, Images.toPng(chart));
    }

    /** {@code text} turned a quarter anticlockwise, centred on {@code centreY}, its baseline at {@code x}. */
    public void verticalText(String text, float centreY, float x) {
        int width = graphics.getFontMetrics().stringWidth(text); // measured unrotated
        Graphics2D r = (Graphics2D) graphics.create();
        r.rotate(-Math.PI / 2);
        r.drawString(text, -(centreY + width / 2f), x);
        r.dispose();
    }

    /** A 14x10 swatch of {@code colour} with {@code label} in black to its right; {@code y} is the label's baseline. */
    public void legendEntry(Color colour, String label, int x, int y) {
        graphics.setColor(colour);
        graphics.fillRect(x, y - 9, 14, 10);
        graphics.setColor(Color.BLACK);
        graphics.drawString(label, x + 20, y);
    }
}
