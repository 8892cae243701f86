package flowscale.bench.experiments;

import flowscale.runtime.report.PlotCanvas;
import flowscale.runtime.report.Ticks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A headless grouped bar chart with confidence whiskers, as PNG (the paper's Fig. 7 shape): one group per row
 * label (search method), one bar per series (sampler) in each group. Bars start at 0, so a chart of negative
 * values (−RSS) hangs down from the top axis. NaN means leave the bar out; a NaN half-width draws no whisker.
 */
final class GroupedBarPlot {
    private static final Color[] PALETTE = {new Color(0x9ecae1), new Color(0x4292c6), new Color(0x08519c),
        new Color(0xfdae6b), new Color(0xe6550d)};

    private final String title;
    private final String yLabel;
    private final List<String> groups;
    private final List<String> series;
    /** [group][series] */
    private final double[][] mean;
    private final double[][] half;

    GroupedBarPlot(String title, String yLabel, List<String> groups, List<String> series, double[][] mean, double[][] half) {
        if (mean.length != groups.size() || half.length != groups.size()) throw new IllegalArgumentException("one row per group");
        for (int g = 0; g < groups.size(); g++) {
            if (mean[g].length != series.size() || half[g].length != series.size()) throw new IllegalArgumentException("one value per series");
        }
        this.title = title;
        this.yLabel = yLabel;
        this.groups = List.copyOf(groups);
        this.series = List.copyOf(series);
        this.mean = mean;
        this.half = half;
    }

    BufferedImage render(int width, int height) {
        double lo = 0, hi = 0;
        for (int g = 0; g < groups.size(); g++) {
            for (int s = 0; s < series.size(); s++) {
                if (Double.isNaN(mean[g][s])) continue;
                double h = Double.isNaN(half[g][s]) ? 0 : half[g][s];
                lo = Math.min(lo, mean[g][s] - h);
                hi = Math.max(hi, mean[g][s] + h);
            }
        }
        if (hi - lo < 1e-9) hi = lo + 1;
        double pad = 0.05 * (hi - lo);
        lo = lo < 0 ? lo - pad : lo;
        hi = hi > 0 ? hi + pad : hi;
        int left = 70, right = 150, top = 34, bottom = 40;
        int pw = width - left - right, ph = height - top - bottom;
        final double fLo = lo, fHi = hi;
        java.util.function.DoubleUnaryOperator py = v -> top + (fHi - v) / (fHi - fLo) * ph;

        PlotCanvas canvas = PlotCanvas.blank(width, height);
        Graphics2D g2 = canvas.graphics();
        try {
            g2.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            FontMetrics fm = g2.getFontMetrics();
            double step = Ticks.niceStep((hi - lo) / 6);
            for (double v = Math.ceil(lo / step) * step; v <= hi + 1e-12; v += step) {
                double y = py.applyAsDouble(v);
                g2.setColor(new Color(0xe6e6e6));
                g2.draw(new Line2D.Double(left, y, left + pw, y));
                g2.setColor(Color.DARK_GRAY);
                String t = Ticks.label(v, step);
                g2.drawString(t, left - 6 - fm.stringWidth(t), (float) y + 4);
            }
            double groupW = (double) pw / groups.size();
            double barW = groupW * 0.8 / series.size();
            double zero = py.applyAsDouble(0);
            for (int g = 0; g < groups.size(); g++) {
                double gx = left + g * groupW + groupW * 0.1;
                for (int s = 0; s < series.size(); s++) {
                    if (Double.isNaN(mean[g][s])) continue;
                    double x = gx + s * barW, y = py.applyAsDouble(mean[g][s]);
                    g2.setColor(PALETTE[s % PALETTE.length]);
                    g2.fill(new Rectangle2D.Double(x + 1, Math.min(y, zero), barW - 2, Math.max(1, Math.abs(zero - y))));
                    if (!Double.isNaN(half[g][s])) {
                        double y0 = py.applyAsDouble(mean[g][s] - half[g][s]), y1 = py.applyAsDouble(mean[g][s] + half[g][s]);
                        double cx = x + barW / 2;
                        g2.setColor(Color.BLACK);
                        g2.setStroke(new BasicStroke(1.2f));
                        g2.draw(new Line2D.Double(cx, y0, cx, y1));
                        g2.draw(new Line2D.Double(cx - 3, y0, cx + 3, y0));
                        g2.draw(new Line2D.Double(cx - 3, y1, cx + 3, y1));
                    }
                }
                g2.setColor(Color.BLACK);
                String label = groups.get(g);
                g2.drawString(label, (float) (left + g * groupW + groupW / 2 - fm.stringWidth(label) / 2.0), top + ph + 18);
            }
            g2.setColor(Color.BLACK);
            g2.setStroke(new BasicStroke(1f));
            g2.draw(new Line2D.Double(left, zero, left + pw, zero));
            g2.drawRect(left, top, pw, ph);
            canvas.verticalText(yLabel, top + ph / 2f, 16);
            for (int s = 0; s < series.size(); s++) {
                canvas.legendEntry(PALETTE[s % PALETTE.length], series.get(s), left + pw + 14, top + 14 + 18 * s);
            }
            g2.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
            g2.drawString(title, left, 20);
        } finally {
            g2.dispose();
        }
        return canvas.image();
    }

    /** Renders and writes the PNG, whole or not at all. */
    void write(Path file, int width, int height) throws IOException {
        PlotCanvas.writePng(file, render(width, height));
    }
}
