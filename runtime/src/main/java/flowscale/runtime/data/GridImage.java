package flowscale.runtime.data;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * A contact sheet for looking at images: tiles upscaled by nearest neighbour, in rows of
 * {@code columns}, each with its caption under it, wrapped at word boundaries onto at most
 * {@value #CAPTION_LINES} lines (the last cut with "..." if still too long). Headless Java2D.
 */
public final class GridImage {
    private static final int PAD = 4;
    static final int CAPTION_LINES = 3;

    static {
        System.setProperty("java.awt.headless", "true");
    }

    private GridImage() {
    }

    /** Renders the grid; tiles are CHW float images of {@code h x w}. */
    public static BufferedImage render(List<float[]> tiles, List<String> captions, int h, int w, int scale, int columns) {
        if (tiles.size() != captions.size()) {
            throw new IllegalArgumentException(tiles.size() + " tiles but " + captions.size() + " captions");
        }
        if (scale < 1 || columns < 1) throw new IllegalArgumentException("scale and columns must be >= 1");
        int n = tiles.size();
        int cols = Math.max(1, Math.min(columns, n));
        int rows = (n + cols - 1) / cols;
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 11);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics fm = pg.getFontMetrics(font);
        pg.dispose();
        int tileW = Math.max(w * scale, 64);
        int capH = CAPTION_LINES * fm.getHeight() + 2;
        int cellW = tileW + PAD;
        int cellH = h * scale + capH + PAD;
        BufferedImage out = new BufferedImage(cols * cellW + PAD, rows * cellH + PAD, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(new Color(40, 40, 40));
            g.fillRect(0, 0, out.getWidth(), out.getHeight());
            g.setFont(font);
            for (int i = 0; i < n; i++) {
                int x = PAD + (i % cols) * cellW;
                int y = PAD + (i / cols) * cellH;
                BufferedImage tile = Images.toBufferedImage(Images.upscale(tiles.get(i), h, w, scale), h * scale, w * scale);
                g.drawImage(tile, x + (tileW - w * scale) / 2, y, null);
                g.setColor(Color.WHITE);
                List<String> lines = wrap(captions.get(i), fm, tileW);
                for (int l = 0; l < lines.size(); l++) {
                    g.drawString(lines.get(l), x, y + h * scale + fm.getAscent() + 1 + l * fm.getHeight());
                }
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Renders and writes the grid as PNG (atomically). */
    public static void write(Path path, List<float[]> tiles, List<String> captions, int h, int w, int scale, int columns) {
        Images.write(path, render(tiles, captions, h, w, scale, columns));
    }

    static List<String> wrap(String s, FontMetrics fm, int width) {
        List<String> lines = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder();
        String[] words = s.split(" ");
        for (int i = 0; i < words.length; i++) {
            String candidate = line.isEmpty() ? words[i] : line + " " + words[i];
            if (fm.stringWidth(candidate) <= width || line.isEmpty()) {
                line.setLength(0);
                line.append(candidate);
                continue;
            }
            if (lines.size() == CAPTION_LINES - 1) {
                line.append(' ').append(String.join(" ", java.util.Arrays.copyOfRange(words, i, words.length)));
                break;
            }
            lines.add(line.toString());
            line.setLength(0);
            line.append(words[i]);
        }
        lines.add(fit(line.toString(), fm, width));
        return lines;
    }

    private static String fit(String s, FontMetrics fm, int width) {
        if (fm.stringWidth(s) <= width) return s;
        String cut = s;
        while (!cut.isEmpty() && fm.stringWidth(cut + "...") > width) cut = cut.substring(0, cut.length() - 1);
        return cut + "...";
    }
}
