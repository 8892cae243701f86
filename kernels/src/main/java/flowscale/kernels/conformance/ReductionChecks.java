package flowscale.kernels.conformance;

import java.util.List;

/** sum, max and norm2 over contiguous views at unaligned offsets. */
final class ReductionChecks {
    private ReductionChecks() {}

    static List<OpCheck> all() {
        return List.of(
                new OpCheck("sum", Tolerances.REDUCTION, h -> reduce(h, Kind.SUM)),
                new OpCheck("max", Tolerances.MAX, h -> reduce(h, Kind.MAX)),
                new OpCheck("norm2", Tolerances.REDUCTION, h -> reduce(h, Kind.NORM2)));
    }

    private enum Kind { SUM, MAX, NORM2 }

    private static void reduce(Harness h, Kind kind) {
        int i = 0;
        for (int n : Sizes.elementCounts(h.quick)) {
            // Mostly centred data; every third case is shifted (a large sum, all-negative for max).
            double centre = i % 3 == 2 ? (kind == Kind.MAX ? -5.0 : 0.5) : 0.0;
            i++;
            Pair x = h.flat(n, centre - 1, centre + 1);
            h.checkScalar("n=" + n + " centred on " + centre + ", " + x.layout(), b -> apply(kind, b, x));
        }
        if (kind == Kind.MAX) {
            // "NaN if any element is NaN": one NaN in the middle of a vector-tail sized tensor.
            float[] values = h.uniforms(33, -1, 1);
            values[17] = Float.NaN;
            Pair x = h.flat(values);
            h.checkScalar("n=33 with a NaN at 17, " + x.layout(), b -> apply(kind, b, x));
        }
    }

    private static double apply(Kind kind, flowscale.kernels.Backend b, Pair x) {
        return switch (kind) {
            case SUM -> b.sum(x.on(b));
            case MAX -> b.max(x.on(b));
            case NORM2 -> b.norm2(x.on(b));
        };
    }
}
