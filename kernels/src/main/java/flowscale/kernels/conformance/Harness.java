package flowscale.kernels.conformance;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * Runs the cases of one op: builds paired inputs on the reference and the candidate, runs the op on
 * both, compares, and keeps the worst error and the first failure.
 *
 * <p>Inputs live inside larger storages at non-zero offsets and with padded row strides (the layouts
 * cycle from case to case), and every storage is compared whole after the op, so a write outside the
 * view (into padding or past the end) is caught as well as a wrong value inside it.
 */
final class Harness {
    /** (offset, padding) pairs cycled through: contiguous, unaligned offsets, padded row strides. */
    private static final int[][] LAYOUTS = {{0, 0}, {1, 0}, {3, 5}, {0, 16}, {5, 3}, {2, 1}};
    /** Floats after the last element of every storage, to catch writes past the view's end. */
    private static final int GUARD = 3;

    private final Backend reference;
    private final Backend candidate;
    private final boolean bitExact;
    final SplittableRandom random;
    final boolean quick;
    private int layoutCounter;

    private int cases;
    private double worst;
    private String worstCase;
    private String failure;

    Harness(Backend reference, Backend candidate, long seed, boolean quick, boolean bitExact) {
        this.reference = reference;
        this.candidate = candidate;
        this.random = new SplittableRandom(seed);
        this.quick = quick;
        this.bitExact = bitExact;
    }

    // ---------------------------------------------------------------- inputs

    /** A {@code rows x cols} matrix of uniforms in [-1, 1] in the next layout of the cycle. */
    Pair matrix(int rows, int cols) {
        return matrix(rows, cols, -1.0, 1.0);
    }

    /** A {@code rows x cols} matrix of uniforms in [lo, hi] in the next layout of the cycle. */
    Pair matrix(int rows, int cols, double lo, double hi) {
        int[] layout = nextLayout();
        long rowStride = cols + layout[1];
        long extent = rows == 0 ? 0 : (rows - 1) * rowStride + cols;
        return place(layout[0], extent, new long[] {rows, cols}, new long[] {rowStride, 1}, lo, hi);
    }

    /** A contiguous 1-D view of {@code n} uniforms in [lo, hi] at the next offset of the cycle. */
    Pair flat(long n, double lo, double hi) {
        int offset = nextLayout()[0];
        return place(offset, n, new long[] {n}, new long[] {1}, lo, hi);
    }

    /** A contiguous 1-D view holding exactly {@code values}, at the next offset of the cycle. */
    Pair flat(float[] values) {
        int offset = nextLayout()[0];
        float[] data = uniforms(offset + values.length + GUARD, -1, 1);
        System.arraycopy(values, 0, data, offset, values.length);
        Tensor r = reference.upload(data, data.length).view(offset, new long[] {values.length}, new long[] {1});
        Tensor c = candidate.upload(data, data.length).view(offset, new long[] {values.length}, new long[] {1});
        return new Pair(reference, r, c);
    }

    /**
     * A view of any rank with padded strides at the next offset; the innermost stride is 1 or, with
     * {@code unitInner == false}, 2.
     */
    Pair strided(long[] shape, boolean unitInner) {
        int[] layout = nextLayout();
        long[] strides = new long[shape.length];
        long stride = unitInner ? 1 : 2;
        long extent = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = stride;
            extent += (shape[d] - 1) * stride;
            stride = stride * shape[d] + (layout[1] + d) % 4;
        }
        return place(layout[0], extent, shape, strides, -1.0, 1.0);
    }

    /** Uniforms in [lo, hi] as a host array; {@code lo == hi}, or NaN bounds, give a constant array. */
    float[] uniforms(int n, double lo, double hi) {
        float[] a = new float[n];
        boolean constant = !(lo < hi);
        for (int i = 0; i < n; i++) a[i] = constant ? (float) lo : (float) (lo + (hi - lo) * random.nextDouble());
        return a;
    }

    double uniform(double lo, double hi) {
        return lo + (hi - lo) * random.nextDouble();
    }

    private Pair place(long offset, long extent, long[] shape, long[] strides, double lo, double hi) {
        float[] data = uniforms(Math.toIntExact(offset + extent + GUARD), lo, hi);
        Tensor r = reference.upload(data, data.length).view(offset, shape, strides);
        Tensor c = candidate.upload(data, data.length).view(offset, shape, strides);
        return new Pair(reference, r, c);
    }

    private int[] nextLayout() {
        return LAYOUTS[layoutCounter++ % LAYOUTS.length];
    }

    // ---------------------------------------------------------------- cases

    /** Runs {@code op} on both backends and compares the whole storages behind {@code outputs}. */
    void check(String label, Consumer<Backend> op, Pair... outputs) {
        if (!runBoth(label, op)) return;
        double caseWorst = 0.0;
        String caseProblem = null;
        for (Pair out : outputs) {
            // The extent the suite placed (the reference's storage holds exactly that); a candidate may
            // round its allocations up, and what lies beyond is not the suite's business.
            int extent = Math.toIntExact(out.ref().storage().capacity());
            ErrorMetric.Outcome o = ErrorMetric.compare(storagePrefix(reference, out.ref(), extent),
                    storagePrefix(candidate, out.cand(), extent), bitExact);
            if (o.problem() != null && (caseProblem == null || o.error() > caseWorst)) {
                caseWorst = o.error();
                caseProblem = o.problem();
            }
        }
        record(label, caseWorst, caseProblem);
    }

    /** Compares a scalar result (sum, max, norm). */
    void checkScalar(String label, ToDoubleFunction<Backend> op) {
        double[] results = new double[2];
        if (!runBoth(label, b -> results[b == reference ? 0 : 1] = op.applyAsDouble(b))) return;
        ErrorMetric.Outcome o = ErrorMetric.compare(results[0], results[1]);
        record(label, o.error(), o.problem());
    }

    /** Compares host arrays an op produces (download). */
    void checkHost(String label, Function<Backend, float[]> op) {
        float[][] results = new float[2][];
        if (!runBoth(label, b -> results[b == reference ? 0 : 1] = op.apply(b))) return;
        ErrorMetric.Outcome o = ErrorMetric.compare(results[0], results[1], bitExact);
        record(label, o.error(), o.problem());
    }

    private boolean runBoth(String label, Consumer<Backend> op) {
        cases++;
        try {
            op.accept(reference);
        } catch (RuntimeException e) {
            fail(label + ": the reference rejected the case (a bug in the suite): " + e.getMessage());
            return false;
        }
        try {
            op.accept(candidate);
        } catch (RuntimeException | AssertionError e) {
            fail(label + ": " + e.getClass().getSimpleName() + ": " + e.getMessage());
            return false;
        }
        return true;
    }

    private void record(String label, double error, String problem) {
        if (error > worst || worstCase == null) {
            worst = Math.max(worst, error);
            worstCase = problem == null ? label : label + ", " + problem;
        }
        if (Double.isInfinite(error) && failure == null) {
            fail(label + ": " + problem);
        }
    }

    private void fail(String message) {
        if (failure == null) failure = message.replaceAll("\\s*\\R\\s*", " ");
        worst = Double.POSITIVE_INFINITY;
    }

    /** The first {@code n} floats of the storage behind {@code t}, gaps and guard included. */
    private static float[] storagePrefix(Backend backend, Tensor t, int n) {
        float[] out = new float[n];
        backend.download(new Tensor(t.storage(), 0, new long[] {n}, new long[] {1}), out, 0);
        return out;
    }

    // ---------------------------------------------------------------- result

    OpResult result(String op, double tolerance) {
        boolean ok = failure == null && cases > 0 && worst <= tolerance;
        String detail = failure != null ? failure : cases == 0 ? "no cases ran" : worstCase;
        return new OpResult(op, cases, worst, tolerance, ok, detail);
    }

    static String shape(long... dims) {
        return Arrays.toString(dims);
    }
}
