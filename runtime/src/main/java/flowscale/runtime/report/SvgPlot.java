package flowscale.runtime.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A line plot drawn as inline SVG text (no scripts, no fonts to fetch): axes with nice ticks, grid lines,
 * series drawn as straight or step lines with a dot on every point, dashed horizontal reference lines and
 * a legend. The x range can be pinned (e.g. 0 to the budget) so plots of different runs compare.
 */
public final class SvgPlot {
    private record Series(String label, double[] x, double[] y, String colour, boolean step) {}

    private record Reference(String label, double y, String colour) {}

    private static final int LEFT = 64, RIGHT = 20, TOP = 34, BOTTOM = 46;

    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<Reference> references = new ArrayList<>();
    private double xMin = Double.NaN, xMax = Double.NaN;

    public SvgPlot(String xLabel, String yLabel) {
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** A series; {@code step} draws it as a staircase (the value holds until the next point). */
    public SvgPlot series(String label, double[] x, double[] y, String colour, boolean step) {
        if (x.length != y.length) throw new IllegalArgumentException(x.length + " x values but " + y.length + " y values");
        series.add(new Series(label, x.clone(), y.clone(), colour, step));
        return this;
    }

    /** A dashed horizontal line across the plot, e.g. the reward finally chosen. */
    public SvgPlot reference(String label, double y, String colour) {
        if (Double.isFinite(y)) references.add(new Reference(label, y, colour));
        return this;
    }

    /** Pins the x axis to at least {@code [min, max]}. */
    public SvgPlot xRange(double min, double max) {
        xMin = min;
        xMax = max;
        return this;
    }

    public String render(int width, int height) {
        double x0 = Double.POSITIVE_INFINITY, x1 = Double.NEGATIVE_INFINITY;
        double y0 = Double.POSITIVE_INFINITY, y1 = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) continue;
                x0 = Math.min(x0, s.x[i]);
                x1 = Math.max(x1, s.x[i]);
                y0 = Math.min(y0, s.y[i]);
                y1 = Math.max(y1, s.y[i]);
            }
        }
        for (Reference r : references) {
            y0 = Math.min(y0, r.y);
            y1 = Math.max(y1, r.y);
        }
        if (!Double.isNaN(xMin)) x0 = Math.min(x0, xMin);
        if (!Double.isNaN(xMax)) x1 = Math.max(x1, xMax);
        Ticks xt = Ticks.covering(x0, x1, 6);
        Ticks yt = Ticks.covering(y0, y1, 5, integersOnly());
        Frame f = new Frame(xt, yt, LEFT, TOP, width - LEFT - RIGHT, height - TOP - BOTTOM);

        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT,
                "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">%n",
                width, height, width, height));
        b.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", width, height));
        axes(b, f, xt, yt);
        for (Reference r : references) {
            double y = f.y(r.y);
            b.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>%n",
                    f.left, y, f.left + f.width, y, r.colour));
        }
        for (Series s : series) line(b, f, s);
        legend(b, width);
        b.append("</svg>\n");
        return b.toString();
    }

    private void axes(StringBuilder b, Frame f, Ticks xt, Ticks yt) {
        for (int i = 0; i < yt.count(); i++) {
            double v = yt.at(i), y = f.y(v);
            b.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e9ed\"/>%n", f.left, y, f.left + f.width, y));
            b.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6673\">%s</text>%n",
                    f.left - 6, y + 4, Html.escape(Html.num(v))));
        }
        for (int i = 0; i < xt.count(); i++) {
            double v = xt.at(i), x = f.x(v);
            b.append(String.format(Locale.ROOT,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e9ed\"/>%n", x, f.top, x, f.top + f.height));
            b.append(String.format(Locale.ROOT,
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6673\">%s</text>%n",
                    x, f.top + f.height + 16, Html.escape(Html.num(v))));
        }
        b.append(String.format(Locale.ROOT,
                "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#9aa4ae\"/>%n",
                f.left, f.top, f.width, f.height));
        b.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#34404c\">%s</text>%n",
                f.left + f.width / 2, f.top + f.height + 36, Html.escape(xLabel)));
        b.append(String.format(Locale.ROOT,
                "<text transform=\"translate(14 %.1f) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\" fill=\"#34404c\">%s</text>%n",
                f.top + f.height / 2, Html.escape(yLabel)));
    }

    private static void line(StringBuilder b, Frame f, Series s) {
        StringBuilder path = new StringBuilder();
        double prevY = Double.NaN;
        for (int i = 0; i < s.x.length; i++) {
            if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) continue;
            double x = f.x(s.x[i]), y = f.y(s.y[i]);
            if (path.isEmpty()) {
                path.append(String.format(Locale.ROOT, "M%.1f %.1f", x, y));
            } else {
                if (s.step) path.append(String.format(Locale.ROOT, " L%.1f %.1f", x, prevY));
                path.append(String.format(Locale.ROOT, " L%.1f %.1f", x, y));
            }
            prevY = y;
        }
        if (!path.isEmpty()) {
            b.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", path, s.colour));
        }
        for (int i = 0; i < s.x.length; i++) {
            if (!Double.isFinite(s.x[i]) || !Double.isFinite(s.y[i])) continue;
            b.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\" fill=\"%s\"/>%n",
                    f.x(s.x[i]), f.y(s.y[i]), s.colour));
        }
    }

    private void legend(StringBuilder b, int width) {
        double x = LEFT;
        for (Series s : series) x = legendItem(b, x, s.label, s.colour, false);
        for (Reference r : references) x = legendItem(b, x, r.label, r.colour, true);
    }

    private static double legendItem(StringBuilder b, double x, String label, String colour, boolean dashed) {
        b.append(String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"16\" x2=\"%.1f\" y2=\"16\" stroke=\"%s\" stroke-width=\"2\"%s/>%n",
                x, x + 22, colour, dashed ? " stroke-dasharray=\"6 4\"" : ""));
        b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"20\" font-size=\"12\" fill=\"#34404c\">%s</text>%n",
                x + 28, Html.escape(label)));
        return x + 28 + 7.0 * label.length() + 24;
    }

    /** Whether every y value is a whole number (e.g. the counting reward), so y ticks should be too. */
    private boolean integersOnly() {
        for (Series s : series) for (double v : s.y) if (Double.isFinite(v) && v != Math.rint(v)) return false;
        for (Reference r : references) if (r.y != Math.rint(r.y)) return false;
        return true;
    }

    /**
     * Data to pixel coordinates inside the plot area; the y range is inset by {@link #INSET} pixels so that
     * lines at the extremes stay clear of the frame.
     */
    private record Frame(Ticks xt, Ticks yt, double left, double top, double width, double height) {
        static final double INSET = 8;

        double x(double v) {
            return left + (v - xt.lo()) / (xt.hi() - xt.lo()) * width;
        }

        double y(double v) {
            return top + height - INSET - (v - yt.lo()) / (yt.hi() - yt.lo()) * (height - 2 * INSET);
        }
    }
}
