package flowscale.kernels.conformance;

import java.util.List;

/** axpby, sdeUpdate, tweedie and combine over contiguous views at unaligned offsets, some in place. */
final class ElementwiseChecks {
    private ElementwiseChecks() {}

    static List<OpCheck> all() {
        return List.of(
                new OpCheck("axpby", Tolerances.ELEMENTWISE, ElementwiseChecks::axpby),
                new OpCheck("sdeUpdate", Tolerances.ELEMENTWISE, ElementwiseChecks::sdeUpdate),
                new OpCheck("tweedie", Tolerances.ELEMENTWISE, ElementwiseChecks::tweedie),
                new OpCheck("combine", Tolerances.ELEMENTWISE, ElementwiseChecks::combine));
    }

    private static void axpby(Harness h) {
        int i = 0;
        for (int n : Sizes.elementCounts(h.quick)) {
            boolean inPlace = i++ % 3 == 1;
            float a = (float) h.uniform(-2, 2), c = (float) h.uniform(-2, 2);
            Pair x = h.flat(n, -1, 1);
            Pair y = h.flat(n, -1, 1);
            Pair out = inPlace ? y : h.flat(n, -1, 1);
            String label = "n=" + n + " a=" + a + " b=" + c + (inPlace ? " in place" : "") + ", x " + x.layout();
            h.check(label, b -> b.axpby(a, x.on(b), c, y.on(b), out.on(b)), out);
        }
    }

    private static void sdeUpdate(Harness h) {
        int i = 0;
        for (int n : Sizes.elementCounts(h.quick)) {
            boolean inPlace = i % 3 == 1;
            boolean deterministic = i % 3 == 2; // the ODE step: no noise, z == null
            i++;
            float dt = (float) h.uniform(0.001, 0.1);
            float gSqrtDt = deterministic ? 0f : (float) h.uniform(0.0, 0.5);
            Pair x = h.flat(n, -3, 3);
            Pair f = h.flat(n, -3, 3);
            Pair z = deterministic ? null : h.flat(n, -3, 3);
            Pair out = inPlace ? x : h.flat(n, -1, 1);
            String label = "n=" + n + " dt=" + dt + " gSqrtDt=" + gSqrtDt + (deterministic ? " z=null" : "")
                    + (inPlace ? " in place" : "") + ", x " + x.layout();
            h.check(label, b -> b.sdeUpdate(x.on(b), f.on(b), dt, gSqrtDt, z == null ? null : z.on(b), out.on(b)), out);
        }
    }

    /** One, two or three terms (the path conversion's x / c, Tweedie and the ODE step, the SDE step), some in place. */
    private static void combine(Harness h) {
        int i = 0;
        for (int n : Sizes.elementCounts(h.quick)) {
            int terms = 1 + i % 3;
            boolean inPlace = i % 4 == 1;
            i++;
            // Coefficients as the samplers form them: a near 1 (or 1/c), b and c small or of either sign.
            double a = h.uniform(0.5, 1.5), b = h.uniform(-2.0, 2.0), c = h.uniform(0.0, 0.5);
            Pair x = h.flat(n, -3, 3);
            Pair y = terms >= 2 ? h.flat(n, -3, 3) : null;
            Pair z = terms == 3 ? h.flat(n, -3, 3) : null;
            Pair out = inPlace ? x : h.flat(n, -1, 1);
            String label = "n=" + n + " a=" + a + (y == null ? "" : " b=" + b) + (z == null ? "" : " c=" + c)
                    + (inPlace ? " in place" : "") + ", x " + x.layout();
            h.check(label, be -> be.combine(a, x.on(be), b, y == null ? null : y.on(be), c, z == null ? null : z.on(be), out.on(be)), out);
        }
    }

    private static void tweedie(Harness h) {
        int i = 0;
        for (int n : Sizes.elementCounts(h.quick)) {
            boolean inPlace = i++ % 3 == 1;
            // Coefficients of an interpolant at some time: sigma > 0, and |d| kept away from 0.
            double sigma = h.uniform(0.05, 1.0);
            double sigmaDot = h.uniform(-1.5, 1.5);
            double d = (h.random.nextBoolean() ? 1 : -1) * h.uniform(0.2, 2.0);
            Pair x = h.flat(n, -3, 3);
            Pair u = h.flat(n, -3, 3);
            Pair out = inPlace ? x : h.flat(n, -1, 1);
            String label = "n=" + n + " sigma=" + sigma + " sigmaDot=" + sigmaDot + " d=" + d
                    + (inPlace ? " in place" : "") + ", x " + x.layout();
            h.check(label, b -> b.tweedie(x.on(b), u.on(b), sigma, sigmaDot, d, out.on(b)), out);
        }
    }
}
