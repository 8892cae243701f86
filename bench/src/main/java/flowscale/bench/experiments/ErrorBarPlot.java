package flowscale.bench.experiments;

import flowscale.runtime.report.PlotCanvas;
import flowscale.runtime.report.Ticks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A headless line plot with error bars, written as PNG with plain Java2D: a mean per x for each series, joined
 * by lines, with a vertical bar over its confidence interval. The x axis is logarithmic (NFE budgets span
 * 50..1000), the y axis linear and fitted to every bar. Points with a NaN mean are skipped; a NaN half-width
 * draws the point without a bar.
 */
final class ErrorBarPlot {
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b)
    };

    private record Series(String label, double[] x, double[] mean, double[] half) {}

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();

    ErrorBarPlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    ErrorBarPlot series(String label, double[] x, double[] mean, double[] half) {
        if (x.length != mean.length || x.length != half.length) throw new IllegalArgumentException("series arrays differ in length");
        for (double v : x) if (!(v > 0)) throw new IllegalArgumentException("x must be > 0 on a log axis, got " + v);
        series.add(new Series(label, x.clone(), mean.clone(), half.clone()));
        return this;
    }

    BufferedImage render(int width, int height) {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (Double.isNaN(s.mean[i])) continue;
                double h = Double.isNaN(s.half[i]) ? 0 : s.half[i];
                xMin = Math.min(xMin, s.x[i]);
                xMax = Math.max(xMax, s.x[i]);
                yMin = Math.min(yMin, s.mean[i] - h);
                yMax = Math.max(yMax, s.mean[i] + h);
            }
        }
        if (xMin > xMax) { xMin = 1; xMax = 10; yMin = 0; yMax = 1; }
        if (xMax == xMin) { xMin /= 2; xMax *= 2; }
        if (yMax - yMin < 1e-9) { yMin -= 0.5; yMax += 0.5; }
        double pad = 0.06 * (yMax - yMin);
        yMin -= pad;
        yMax += pad;
        int left = 70, right = 170, top = 34, bottom = 50;
        int pw = width - left - right, ph = height - top - bottom;
        double lx0 = Math.log(xMin) - 0.08 * Math.log(xMax / xMin), lx1 = Math.log(xMax) + 0.08 * Math.log(xMax / xMin);
        final double fyMin = yMin, fyMax = yMax;
        java.util.function.DoubleUnaryOperator px = v -> left + (Math.log(v) - lx0) / (lx1 - lx0) * pw;
        java.util.function.DoubleUnaryOperator py = v -> top + (fyMax - v) / (fyMax - fyMin) * ph;

        PlotCanvas canvas = PlotCanvas.blank(width, height);
        Graphics2D g = canvas.graphics();
        try {
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            FontMetrics fm = g.getFontMetrics();
            // grid and ticks: y at "nice" steps, x at the distinct x values of the data
            g.setStroke(new BasicStroke(1f));
            double step = Ticks.niceStep((yMax - yMin) / 6);
            for (double v = Math.ceil(yMin / step) * step; v <= yMax; v += step) {
                double y = py.applyAsDouble(v);
                g.setColor(new Color(0xe6e6e6));
                g.draw(new Line2D.Double(left, y, left + pw, y));
                g.setColor(Color.DARK_GRAY);
                String t = Ticks.label(v, step);
                g.drawString(t, left - 6 - fm.stringWidth(t), (float) y + 4);
            }
            for (double v : distinctX()) {
                double x = px.applyAsDouble(v);
                g.setColor(new Color(0xe6e6e6));
                g.draw(new Line2D.Double(x, top, x, top + ph));
                g.setColor(Color.DARK_GRAY);
                String t = Ticks.label(v, 1);
                g.drawString(t, (float) x - fm.stringWidth(t) / 2f, top + ph + 16);
            }
            g.setColor(Color.BLACK);
            g.drawRect(left, top, pw, ph);
            g.drawString(xLabel, left + pw / 2f - fm.stringWidth(xLabel) / 2f, height - 12);
            canvas.verticalText(yLabel, top + ph / 2f, 16);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g.drawString(title, left, 20);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));

            for (int si = 0; si < series.size(); si++) {
                Series s = series.get(si);
                Color c = PALETTE[si % PALETTE.length];
                g.setColor(c);
                // a small horizontal offset per series keeps overlapping bars apart
                double off = (si - (series.size() - 1) / 2.0) * 5;
                double prevX = Double.NaN, prevY = Double.NaN;
                for (int i = 0; i < s.x.length; i++) {
                    if (Double.isNaN(s.mean[i])) continue;
                    double x = px.applyAsDouble(s.x[i]) + off, y = py.applyAsDouble(s.mean[i]);
                    g.setStroke(new BasicStroke(2f));
                    if (!Double.isNaN(prevX)) g.draw(new Line2D.Double(prevX, prevY, x, y));
                    if (!Double.isNaN(s.half[i])) {
                        double y0 = py.applyAsDouble(s.mean[i] - s.half[i]), y1 = py.applyAsDouble(s.mean[i] + s.half[i]);
                        g.setStroke(new BasicStroke(1.5f));
                        g.draw(new Line2D.Double(x, y0, x, y1));
                        g.draw(new Line2D.Double(x - 4, y0, x + 4, y0));
                        g.draw(new Line2D.Double(x - 4, y1, x + 4, y1));
                    }
                    g.fill(new Ellipse2D.Double(x - 3.5, y - 3.5, 7, 7));
                    prevX = x;
                    prevY = y;
                }
                canvas.legendEntry(c, s.label, left + pw + 14, top + 14 + 18 * si);
            }
        } finally {
            g.dispose();
        }
        return canvas.image();
    }

    /** Renders and writes the PNG, whole or not at all. */
    void write(Path file, int width, int height) throws IOException {
        PlotCanvas.writePng(file, render(width, height));
    }

    private List<Double> distinctX() {
        List<Double> xs = new ArrayList<>();
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) if (!Double.isNaN(s.mean[i]) && !xs.contains(s.x[i])) xs.add(s.x[i]);
        }
        return xs;
    }
}
