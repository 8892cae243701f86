package flowscale.runtime.report;

import flowscale.loader.AtomicFile;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A headless line chart written as PNG with plain Java2D: several series over a shared x axis, an optional
 * logarithmic y axis, tick labels, a title and a legend. Non-finite points (and non-positive ones on a log
 * axis) are skipped.
 */
public final class LinePlot {
    private record Series(String label, double[] x, double[] y, Color color, float width) {}

    private final int width, height;
    private final String title, xLabel, yLabel;
    private final boolean logY;
    private final List<Series> series = new ArrayList<>();

    public LinePlot(int width, int height, String title, String xLabel, String yLabel, boolean logY) {
        if (width < 160 || height < 120) throw new IllegalArgumentException("plot must be at least 160x120 pixels");
        this.width = width;
        this.height = height;
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.logY = logY;
    }

    public LinePlot line(String label, double[] x, double[] y, Color color, float lineWidth) {
        if (x.length != y.length) throw new IllegalArgumentException("series " + label + ": " + x.length + " x values, " + y.length + " y values");
        series.add(new Series(label, x.clone(), y.clone(), color, lineWidth));
        return this;
    }

    private boolean usable(double x, double y) {
        return Double.isFinite(x) && Double.isFinite(y) && (!logY || y > 0);
    }

    private double fy(double y) { return logY ? Math.log10(y) : y; }

    public BufferedImage render() {
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (!usable(s.x[i], s.y[i])) continue;
                minX = Math.min(minX, s.x[i]);
                maxX = Math.max(maxX, s.x[i]);
                minY = Math.min(minY, fy(s.y[i]));
                maxY = Math.max(maxY, fy(s.y[i]));
            }
        }
        if (minX > maxX) { minX = 0; maxX = 1; minY = 0; maxY = 1; }
        if (maxX == minX) maxX = minX + 1;
        if (maxY - minY < 1e-12) { minY -= 0.5; maxY += 0.5; }
        double pad = (maxY - minY) * 0.05;
        minY -= pad;
        maxY += pad;
        int left = 70, right = 16, top = 30, bottom = 44;
        int pw = width - left - right, ph = height - top - bottom;
        PlotCanvas canvas = PlotCanvas.blank(width, height);
        Graphics2D g = canvas.graphics();
        try {
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            // grid and ticks
            for (int i = 0; i <= 5; i++) {
                double fx = minX + (maxX - minX) * i / 5, fyv = minY + (maxY - minY) * i / 5;
                int px = left + (int) Math.round(pw * i / 5.0), py = top + ph - (int) Math.round(ph * i / 5.0);
                g.setColor(new Color(230, 230, 230));
                g.drawLine(px, top, px, top + ph);
                g.drawLine(left, py, left + pw, py);
                g.setColor(Color.DARK_GRAY);
                String xl = tick(fx);
                g.drawString(xl, px - g.getFontMetrics().stringWidth(xl) / 2, top + ph + 15);
                String yl = tick(logY ? Math.pow(10, fyv) : fyv);
                g.drawString(yl, left - 6 - g.getFontMetrics().stringWidth(yl), py + 4);
            }
            g.setColor(Color.BLACK);
            g.drawRect(left, top, pw, ph);
            g.drawString(xLabel, left + pw / 2 - g.getFontMetrics().stringWidth(xLabel) / 2, height - 8);
            g.drawString(yLabel + (logY ? " (log)" : ""), 6, top - 8);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(title, left + pw / 2 - g.getFontMetrics().stringWidth(title) / 2, 18);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            g.setClip(left, top, pw + 1, ph + 1);
            for (Series s : series) {
                Path2D.Double path = new Path2D.Double();
                boolean pen = false;
                for (int i = 0; i < s.x.length; i++) {
                    if (!usable(s.x[i], s.y[i])) { pen = false; continue; }
                    double px = left + pw * (s.x[i] - minX) / (maxX - minX);
                    double py = top + ph - ph * (fy(s.y[i]) - minY) / (maxY - minY);
                    if (pen) path.lineTo(px, py); else path.moveTo(px, py);
                    pen = true;
                }
                g.setColor(s.color);
                g.setStroke(new BasicStroke(s.width));
                g.draw(path);
            }
            g.setClip(null);
            int ly = top + 14;
            for (Series s : series) {
                int lx = left + pw - 150;
                g.setColor(s.color);
                g.fillRect(lx, ly - 8, 14, 4);
                g.setColor(Color.BLACK);
                g.drawString(s.label, lx + 20, ly - 3);
                ly += 15;
            }
        } finally {
            g.dispose();
        }
        return canvas.image();
    }

    private static String tick(double v) {
        double a = Math.abs(v);
        if (a != 0 && (a < 1e-2 || a >= 1e5)) return String.format("%.1e", v);
        if (a >= 100) return String.format("%.0f", v);
        return String.format("%.3g", v);
    }

    /** Writes the PNG whole or not at all ({@link AtomicFile}), creating the directory if needed. */
    public void write(Path file) {
        try {
            PlotCanvas.writePng(file, render());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write plot " + file + ": " + e.getMessage(), e);
        }
    }
}
