package flowscale.runtime.model;

import java.util.List;

/** Resolves the names of the analytic toy models ({@code toy:gaussian}, {@code toy:gmm}, {@code toy:gmm-close}). */
public final class AnalyticModels {
    private static final List<String> NAMES = List.of("toy:gaussian", "toy:gmm", "toy:gmm-close");

    private AnalyticModels() {}

    public static List<String> names() {
        return NAMES;
    }

    /** A fresh model (its own NFE counter); unknown names throw, listing the known ones. */
    public static AnalyticModel named(String name) {
        return switch (name == null ? "" : name) {
            case "toy:gaussian" -> GaussianModel.toy();
            case "toy:gmm" -> GaussianMixtureModel.separated();
            case "toy:gmm-close" -> GaussianMixtureModel.toy();
            default -> throw new IllegalArgumentException("unknown analytic model '" + name + "'; known: " + String.join(", ", NAMES));
        };
    }
}
