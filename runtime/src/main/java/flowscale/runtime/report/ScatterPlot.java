package flowscale.runtime.report;

import flowscale.loader.AtomicFile;
import flowscale.runtime.data.Images;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A headless 2-D scatter plot written as PNG with plain Java2D: layers of points (drawn in the order added),
 * cross markers, a title and a legend. Uses the first two coordinates of each point; the view is fitted to
 * all layers with a margin and equal scales on both axes.
 */
public final class ScatterPlot {
    private record Layer(String label, List<float[]> points, Color color, double radius, boolean cross) {}

    private final int size;
    private final String title;
    private final List<Layer> layers = new ArrayList<>();

    public ScatterPlot(int size, String title) {
        if (size < 64) throw new IllegalArgumentException("plot size must be >= 64 pixels");
        this.size = size;
        this.title = title;
    }

    /** Filled dots of the given radius (pixels). */
    public ScatterPlot dots(String label, List<float[]> points, Color color, double radius) {
        layers.add(new Layer(label, List.copyOf(points), color, radius, false));
        return this;
    }

    /** Cross markers of the given half-size (pixels). */
    public ScatterPlot crosses(String label, List<float[]> points, Color color, double radius) {
        layers.add(new Layer(label, List.copyOf(points), color, radius, true));
        return this;
    }

    public BufferedImage render() {
        System.setProperty("java.awt.headless", "true");
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
        for (Layer l : layers) {
            for (float[] p : l.points) {
                if (!finite(p)) continue;
                minX = Math.min(minX, p[0]);
                maxX = Math.max(maxX, p[0]);
                double y = p.length > 1 ? p[1] : 0;
                minY = Math.min(minY, y);
                maxY = Math.max(maxY, y);
            }
        }
        if (minX > maxX) {
            minX = minY = -1;
            maxX = maxY = 1;
        }
        double span = Math.max(Math.max(maxX - minX, maxY - minY), 1e-6) * 1.1;
        double cx = (minX + maxX) / 2, cy = (minY + maxY) / 2;
        int top = 28, margin = 12;
        double scale = (size - 2 * margin - top) / span;
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, size, size);
            double ox = size / 2.0, oy = top + (size - top) / 2.0;
            for (Layer l : layers) {
                g.setColor(l.color);
                g.setStroke(new BasicStroke(2f));
                for (float[] p : l.points) {
                    if (!finite(p)) continue;
                    double px = ox + (p[0] - cx) * scale;
                    double py = oy - ((p.length > 1 ? p[1] : 0) - cy) * scale;
                    double r = l.radius;
                    if (l.cross) {
                        g.draw(new Line2D.Double(px - r, py - r, px + r, py + r));
                        g.draw(new Line2D.Double(px - r, py + r, px + r, py - r));
                    } else {
                        g.fill(new Ellipse2D.Double(px - r, py - r, 2 * r, 2 * r));
                    }
                }
            }
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(Color.BLACK);
            g.drawString(title, margin, 18);
            int ly = top + 14;
            for (Layer l : layers) {
                g.setColor(l.color);
                g.fillRect(size - 150, ly - 9, 10, 10);
                g.setColor(Color.BLACK);
                g.drawString(l.label, size - 135, ly);
                ly += 15;
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Renders and writes the PNG through a temporary file, so no half-written image is ever left behind. */
    public void write(Path file) throws IOException {
        AtomicFile.write(file, Images.toPng(render()));
    }

    private static boolean finite(float[] p) {
        for (float v : p) if (!Float.isFinite(v)) return false;
        return p.length > 0;
    }
}
