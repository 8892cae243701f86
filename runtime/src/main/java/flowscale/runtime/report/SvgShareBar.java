package flowscale.runtime.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One horizontal bar split into parts proportional to their values (e.g. where the time went), as inline
 * SVG, with each part's share written on it when it fits and a legend with the values underneath.
 */
public final class SvgShareBar {
    private record Part(String label, double value, String shown, String colour) {}

    private final List<Part> parts = new ArrayList<>();

    /** A part; {@code shown} is how its value is written in the legend (e.g. "812.4 ms"). */
    public SvgShareBar part(String label, double value, String shown, String colour) {
        parts.add(new Part(label, Math.max(0, value), shown, colour));
        return this;
    }

    public String render(int width) {
        int height = 74, left = 8, barY = 8, barH = 30;
        double total = parts.stream().mapToDouble(Part::value).sum();
        double barW = width - 2.0 * left;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">%n",
                width, height, width, height));
        double x = left;
        for (Part p : parts) {
            double share = total > 0 ? p.value / total : 0;
            double w = share * barW;
            if (w <= 0) continue;
            b.append(String.format(Locale.ROOT,
                    "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>%s: %s (%s)</title></rect>%n",
                    x, barY, w, barH, p.colour, Html.escape(p.label), Html.escape(p.shown), Html.percent(share)));
            String pct = Html.percent(share);
            if (w > 7.5 * pct.length() + 8) {
                b.append(String.format(Locale.ROOT,
                        "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\" fill=\"#ffffff\">%s</text>%n",
                        x + w / 2, barY + barH / 2 + 4, pct));
            }
            x += w;
        }
        double lx = left;
        for (Part p : parts) {
            String text = p.label + " " + p.shown + " (" + Html.percent(total > 0 ? p.value / total : 0) + ")";
            b.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
                    lx, barY + barH + 14, p.colour));
            b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"12\" fill=\"#34404c\">%s</text>%n",
                    lx + 18, barY + barH + 24, Html.escape(text)));
            lx += 18 + 6.8 * text.length() + 28;
        }
        b.append("</svg>\n");
        return b.toString();
    }
}
