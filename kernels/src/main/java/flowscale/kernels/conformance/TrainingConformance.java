package flowscale.kernels.conformance;

import flowscale.kernels.TrainingBackend;
import flowscale.kernels.reference.ReferenceBackend;

import java.util.ArrayList;
import java.util.List;

/**
 * The conformance suite of the training ops ({@link TrainingBackend}): like {@link Conformance}, every op
 * of a candidate against the scalar reference on seeded inputs over odd shapes and padded, offset
 * layouts, with the whole storage behind every output compared (so writes outside a view are caught).
 * The reference's own gradients are checked against finite differences by the kernels' test suite.
 * {@code patchifyBackward} / {@code unpatchifyBackward} are {@code unpatchify} / {@code patchify}
 * and {@code linearBackward} is {@code gemm} plus {@code sumRows}; the suites of those ops cover them.
 */
public final class TrainingConformance {
    private TrainingConformance() {}

    private static final List<OpCheck> CHECKS = TrainingChecks.all();

    /** The names of the ops the suite checks, in report order. */
    public static List<String> ops() {
        return CHECKS.stream().map(OpCheck::op).toList();
    }

    /** Runs every op; one result per op, in the order of {@link #ops()}. */
    public static List<OpResult> run(TrainingBackend candidate, long seed, boolean quick) {
        List<OpResult> results = new ArrayList<>();
        for (OpCheck check : CHECKS) results.add(run(candidate, check, seed, quick));
        return results;
    }

    /** Runs one op (by name, see {@link #ops()}). */
    public static OpResult run(TrainingBackend candidate, String op, long seed, boolean quick) {
        for (OpCheck c : CHECKS) {
            if (c.op().equals(op)) return run(candidate, c, seed, quick);
        }
        throw new IllegalArgumentException("unknown op '" + op + "'; the training suite checks " + String.join(", ", ops()));
    }

    private static OpResult run(TrainingBackend candidate, OpCheck check, long seed, boolean quick) {
        try (ReferenceBackend reference = new ReferenceBackend()) {
            Harness h = new Harness(reference, candidate, opSeed(seed, check.op()), quick, check.tolerance() == 0.0);
            check.cases().accept(h);
            return h.result(check.op(), check.tolerance());
        }
    }

    /** A seed per (suite seed, op), so one op run alone sees the same cases as in a full run. */
    private static long opSeed(long seed, String op) {
        long z = seed + 0x632BE59BD9B4E019L * (op.hashCode() + 1L);
        z = (z ^ (z >>> 33)) * 0xFF51AFD7ED558CCDL;
        z = (z ^ (z >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }
}
