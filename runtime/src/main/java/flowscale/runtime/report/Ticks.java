package flowscale.runtime.report;

import java.util.Locale;

/**
 * Axis ticks at "nice" steps (1, 2 or 5 times a power of ten) covering a data range, so plot axes read
 * 0, 100, 200 ... rather than 0, 83.3, 166.7. The SVG figures use the record; the PNG charts use
 * {@link #niceStep} and {@link #label} directly.
 */
public record Ticks(double lo, double hi, double step) {

    /** About {@code target} ticks covering {@code [min, max]}; an empty range is widened around its value. */
    static Ticks covering(double min, double max, int target) {
        return covering(min, max, target, false);
    }

    /** As {@link #covering(double, double, int)}; with {@code integers} the step is a whole number (for counts). */
    static Ticks covering(double min, double max, int target, boolean integers) {
        if (!(Double.isFinite(min) && Double.isFinite(max))) {
            min = 0;
            max = 1;
        }
        if (max < min) {
            double t = min;
            min = max;
            max = t;
        }
        if (max - min < 1e-12) {
            double pad = Math.max(1.0, Math.abs(min) * 0.1);
            min -= pad;
            max += pad;
        }
        double step = niceStep((max - min) / Math.max(1, target));
        if (integers) step = Math.max(1, Math.rint(step));
        return new Ticks(Math.floor(min / step + 1e-9) * step, Math.ceil(max / step - 1e-9) * step, step);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}; 1 for a raw step that is not positive. */
    public static double niceStep(double raw) {
        if (!(raw > 0)) return 1;
        double mag = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / mag;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
        return nice * mag;
    }

    /** {@code v} with as many decimals as {@code step} needs (none for steps of 1 or more), rounding-noise zero as 0. */
    public static String label(double v, double step) {
        int decimals = step >= 1 ? 0 : (int) Math.ceil(-Math.log10(step));
        return String.format(Locale.ROOT, "%." + decimals + "f", Math.abs(v) < step * 1e-9 ? 0 : v);
    }

    int count() {
        return (int) Math.round((hi - lo) / step) + 1;
    }

    double at(int i) {
        double v = lo + i * step;
        return Math.abs(v) < step * 1e-9 ? 0 : v;
    }
}
