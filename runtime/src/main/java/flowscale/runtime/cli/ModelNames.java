package flowscale.runtime.cli;

import java.util.Locale;

/** Model specs as users type them: the analytic toys' names in any case ({@code TOY:GMM} is {@code toy:gmm}). */
final class ModelNames {
    private static final String TOY = "toy:";

    private ModelNames() {}

    static boolean isToy(String spec) {
        return spec != null && spec.regionMatches(true, 0, TOY, 0, TOY.length());
    }

    /** The toy names in lower case; file paths unchanged. */
    static String normalise(String spec) {
        return isToy(spec) ? spec.toLowerCase(Locale.ROOT) : spec;
    }
}
