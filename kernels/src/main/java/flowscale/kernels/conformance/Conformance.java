package flowscale.kernels.conformance;

import flowscale.kernels.Backend;
import flowscale.kernels.reference.ReferenceBackend;

import java.util.ArrayList;
import java.util.List;

/**
 * The conformance suite: runs every op of a candidate {@link Backend} against the scalar reference on
 * seeded random inputs over many shapes and layouts, and reports one {@link OpResult} per op.
 *
 * <p>Each op's inputs depend only on the seed and the op's name, so one op can be run alone (as the
 * JUnit suite does) and gives the same cases as in a full run. {@code quick} runs a subset of the shapes
 * of every op, for a fast smoke check. The candidate keeps the memory the suite allocates on it until it
 * is closed; the reference the suite compares with is created and closed per op.
 */
public final class Conformance {
    private Conformance() {}

    private static final List<OpCheck> CHECKS = allChecks();

    private static List<OpCheck> allChecks() {
        List<OpCheck> all = new ArrayList<>();
        all.addAll(MemoryChecks.all());
        all.addAll(LinearAlgebraChecks.all());
        all.addAll(HalfWeightChecks.all());
        all.addAll(NormalizationChecks.all());
        all.addAll(AdaLnChecks.all());
        all.addAll(AttentionCheck.all());
        all.addAll(TextEncoderChecks.all());
        all.addAll(HeadChecks.all());
        all.addAll(ImageChecks.all());
        all.addAll(LayoutChecks.all());
        all.addAll(ElementwiseChecks.all());
        all.addAll(ReductionChecks.all());
        all.addAll(NormalCheck.all());
        return List.copyOf(all);
    }

    /** The names of the ops the suite checks, in report order. */
    public static List<String> ops() {
        return CHECKS.stream().map(OpCheck::op).toList();
    }

    /** The tolerance the suite applies to {@code op}. */
    public static double tolerance(String op) {
        return find(op).tolerance();
    }

    /** Runs every op; one result per op, in the order of {@link #ops()}. */
    public static List<OpResult> run(Backend candidate, long seed, boolean quick) {
        List<OpResult> results = new ArrayList<>();
        for (OpCheck check : CHECKS) {
            results.add(run(candidate, check, seed, quick));
        }
        return results;
    }

    /** Runs one op (by name, see {@link #ops()}). */
    public static OpResult run(Backend candidate, String op, long seed, boolean quick) {
        return run(candidate, find(op), seed, quick);
    }

    private static OpResult run(Backend candidate, OpCheck check, long seed, boolean quick) {
        try (ReferenceBackend reference = new ReferenceBackend()) {
            Harness h = new Harness(reference, candidate, opSeed(seed, check.op()), quick, check.tolerance() == 0.0);
            check.cases().accept(h);
            return h.result(check.op(), check.tolerance());
        }
    }

    /** A seed per (suite seed, op), so an op's cases do not depend on which other ops ran before it. */
    private static long opSeed(long seed, String op) {
        long z = seed ^ (0x9E3779B97F4A7C15L * (op.hashCode() + 1L));
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static OpCheck find(String op) {
        for (OpCheck c : CHECKS) {
            if (c.op().equals(op)) return c;
        }
        throw new IllegalArgumentException("unknown op '" + op + "'; the suite checks " + String.join(", ", ops()));
    }
}
