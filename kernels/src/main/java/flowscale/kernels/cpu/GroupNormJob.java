package flowscale.kernels.cpu;

import jdk.incubator.vector.FloatVector;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.F;
import static flowscale.kernels.cpu.Simd.L;
import static flowscale.kernels.cpu.Simd.NATIVE;

/**
 * GroupNorm over NCHW: work items are (item, group) pairs, each one contiguous run of
 * {@code C/G * H * W} floats. Two passes (mean, then the squared deviations from it), because a one-pass
 * {@code E[x^2] - E[x]^2} loses digits on data with a large mean. A group of a real decoder holds up to
 * 4 * 1024 * 1024 elements, too many for float lane sums, so each pass sums vectors of floats over
 * blocks of {@link #BLOCK} elements and adds the block sums in double. A block's vector is folded with
 * {@link VectorMath#sum}, not {@code reduceLanes}, whose order changes when the JIT warms up (see there).
 */
final class GroupNormJob implements WorkerPool.Job {
    private static final int BLOCK = 4096;

    MemorySegment xSeg, oSeg, gammaSeg, betaSeg;
    long xBase, oBase, gammaBase, betaBase; // elements
    int batch, channels, groups;
    long plane;
    float eps;

    private float[][] folds = new float[0][];

    void ensureChunks(int threads) {
        if (folds.length < threads) {
            float[][] grown = new float[threads][];
            for (int i = 0; i < threads; i++) grown[i] = i < folds.length ? folds[i] : new float[L];
            folds = grown;
        }
    }

    int chunksFor(int threads) {
        long items = (long) batch * groups;
        long elements = items * (channels / groups) * plane;
        return (int) Math.max(1, Math.min(Math.min(threads, items), elements / (1 << 14)));
    }

    @Override
    public void run(int chunk, int chunks) {
        long items = (long) batch * groups;
        long lo = items * chunk / chunks, hi = items * (chunk + 1) / chunks;
        int perGroup = channels / groups;
        long n = perGroup * plane;
        for (long item = lo; item < hi; item++) {
            long first = item * n; // groups are consecutive channel runs, items consecutive groups
            float[] fold = folds[chunk];
            double mean = sum(first, n, false, 0f, fold) / n;
            double variance = sum(first, n, true, (float) mean, fold) / n;
            float inv = (float) (1.0 / Math.sqrt(variance + eps));
            float meanF = (float) mean;
            int c0 = (int) (item % groups) * perGroup;
            for (int c = 0; c < perGroup; c++) {
                float scale = inv, shift = 0f;
                if (gammaSeg != null) {
                    scale = inv * gammaSeg.get(Simd.FLOAT, (gammaBase + c0 + c) * Float.BYTES);
                    shift = betaSeg.get(Simd.FLOAT, (betaBase + c0 + c) * Float.BYTES);
                }
                normalise(first + c * plane, plane, meanF, scale, shift);
            }
        }
    }

    /** Sum of x, or with {@code squares} of (x - centre)^2, over n elements from {@code first}. */
    private double sum(long first, long n, boolean squares, float centre, float[] fold) {
        double total = 0.0;
        for (long b0 = 0; b0 < n; b0 += BLOCK) {
            int len = (int) Math.min(BLOCK, n - b0);
            long off = (xBase + first + b0) * Float.BYTES;
            FloatVector acc = FloatVector.zero(F);
            FloatVector c = FloatVector.broadcast(F, centre);
            int i = 0;
            for (; i + L <= len; i += L) {
                FloatVector v = FloatVector.fromMemorySegment(F, xSeg, off + (long) i * Float.BYTES, NATIVE);
                if (squares) {
                    FloatVector d = v.sub(c);
                    acc = d.fma(d, acc);
                } else {
                    acc = acc.add(v);
                }
            }
            acc.intoArray(fold, 0);
            double block = VectorMath.sum(fold, 0, L);
            for (; i < len; i++) {
                float v = xSeg.get(Simd.FLOAT, off + (long) i * Float.BYTES);
                block += squares ? (double) (v - centre) * (v - centre) : v;
            }
            total += block;
        }
        return total;
    }

    private void normalise(long first, long n, float mean, float scale, float shift) {
        long in = (xBase + first) * Float.BYTES, out = (oBase + first) * Float.BYTES;
        FloatVector m = FloatVector.broadcast(F, mean), s = FloatVector.broadcast(F, scale), t = FloatVector.broadcast(F, shift);
        long i = 0;
        for (; i + L <= n; i += L) {
            FloatVector v = FloatVector.fromMemorySegment(F, xSeg, in + i * Float.BYTES, NATIVE);
            v.sub(m).fma(s, t).intoMemorySegment(oSeg, out + i * Float.BYTES, NATIVE);
        }
        for (; i < n; i++) {
            float v = xSeg.get(Simd.FLOAT, in + i * Float.BYTES);
            oSeg.set(Simd.FLOAT, out + i * Float.BYTES, Math.fma(v - mean, scale, shift));
        }
    }
}
