package flowscale.runtime.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Stacked vertical bars as inline SVG: one bar per category (e.g. a search level), each split into the
 * segments added (e.g. accepted and rejected candidates), with a y axis of counts and a legend. Categories
 * are thinned out on the x axis labels when there are many.
 */
public final class SvgBarChart {
    private record Segment(String label, String colour, double[] values) {}

    private static final int LEFT = 56, RIGHT = 16, TOP = 34, BOTTOM = 46;

    private final List<String> categories;
    private final String xLabel;
    private final String yLabel;
    private final List<Segment> segments = new ArrayList<>();
    private List<String> barLabels = List.of();

    public SvgBarChart(List<String> categories, String xLabel, String yLabel) {
        this.categories = List.copyOf(categories);
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** A segment stacked on the ones added before it; one value per category. */
    public SvgBarChart segment(String label, String colour, double[] values) {
        if (values.length != categories.size()) {
            throw new IllegalArgumentException(values.length + " values for " + categories.size() + " categories");
        }
        segments.add(new Segment(label, colour, values.clone()));
        return this;
    }

    /** Text written above each bar (e.g. "2 / 50"), one per category. */
    public SvgBarChart barLabels(List<String> labels) {
        if (labels.size() != categories.size()) {
            throw new IllegalArgumentException(labels.size() + " labels for " + categories.size() + " categories");
        }
        barLabels = List.copyOf(labels);
        return this;
    }

    public String render(int width, int height) {
        int n = categories.size();
        double max = 0;
        for (int c = 0; c < n; c++) {
            double sum = 0;
            for (Segment s : segments) sum += Math.max(0, s.values[c]);
            max = Math.max(max, sum);
        }
        Ticks yt = Ticks.covering(0, Math.max(1, max), 5);
        double plotW = width - LEFT - RIGHT, plotH = height - TOP - BOTTOM;
        double slot = plotW / Math.max(1, n);
        double barW = Math.max(1, Math.min(48, slot * 0.7));
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">%n",
                width, height, width, height));
        b.append(String.format(Locale.ROOT, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>%n", width, height));
        for (int i = 0; i < yt.count(); i++) {
            double v = yt.at(i);
            double y = TOP + plotH - (v - yt.lo()) / (yt.hi() - yt.lo()) * plotH;
            b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#e6e9ed\"/>%n",
                    LEFT, y, LEFT + plotW, y));
            b.append(String.format(Locale.ROOT,
                    "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\" fill=\"#5b6673\">%s</text>%n",
                    LEFT - 6, y + 4, Html.escape(Html.num(v))));
        }
        int labelEvery = Math.max(1, (int) Math.ceil(n / (plotW / 28.0)));
        for (int c = 0; c < n; c++) {
            double cx = LEFT + slot * (c + 0.5);
            double base = 0;
            for (Segment s : segments) {
                double v = Math.max(0, s.values[c]);
                if (v == 0) continue;
                double yTop = TOP + plotH - (base + v) / yt.hi() * plotH;
                double h = v / yt.hi() * plotH;
                b.append(String.format(Locale.ROOT,
                        "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"><title>%s: %s %s</title></rect>%n",
                        cx - barW / 2, yTop, barW, h, s.colour, Html.escape(categories.get(c)), Html.escape(Html.num(v)),
                        Html.escape(s.label)));
                base += v;
            }
            if (!barLabels.isEmpty() && slot >= 7.0 * barLabels.get(c).length()) {
                b.append(String.format(Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#34404c\">%s</text>%n",
                        cx, TOP + plotH - base / yt.hi() * plotH - 5, Html.escape(barLabels.get(c))));
            }
            if (c % labelEvery == 0) {
                b.append(String.format(Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b6673\">%s</text>%n",
                        cx, TOP + plotH + 16, Html.escape(categories.get(c))));
            }
        }
        b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa4ae\"/>%n",
                LEFT, TOP + plotH, LEFT + plotW, TOP + plotH));
        b.append(String.format(Locale.ROOT,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\" fill=\"#34404c\">%s</text>%n",
                LEFT + plotW / 2, TOP + plotH + 36, Html.escape(xLabel)));
        b.append(String.format(Locale.ROOT,
                "<text transform=\"translate(14 %.1f) rotate(-90)\" font-size=\"12\" text-anchor=\"middle\" fill=\"#34404c\">%s</text>%n",
                TOP + plotH / 2, Html.escape(yLabel)));
        double x = LEFT;
        for (Segment s : segments) {
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"8\" width=\"12\" height=\"12\" fill=\"%s\"/>%n", x, s.colour));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"18\" font-size=\"12\" fill=\"#34404c\">%s</text>%n",
                    x + 18, Html.escape(s.label)));
            x += 18 + 7.0 * s.label.length() + 24;
        }
        b.append("</svg>\n");
        return b.toString();
    }
}
