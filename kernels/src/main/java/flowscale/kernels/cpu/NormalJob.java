package flowscale.kernels.cpu;

import flowscale.kernels.NoiseScheme;

import java.lang.foreign.MemorySegment;

/**
 * Fills {@code out} with the Philox normal stream of a {@link NoiseScheme}. The generator is counter-based, so
 * every chunk produces its own disjoint index range and the result is bit-identical to a single-threaded fill
 * whatever the chunking. Both schemes fill through {@link NoiseScheme#fill}, plain Java: {@code quantile-v2}'s fill
 * runs its Philox rounds as array loops that C2 vectorises by itself ({@link flowscale.kernels.Philox#blocks}), about
 * as fast as a Vector API fill once compiled and without the Vector API's boxed, much slower code before C2 compiles
 * it (which cost a fresh JVM's main job 1.8 s when this op filled with the Vector API).
 */
final class NormalJob extends SpanJob {
    private static final int BUFFER = 4096;
    NoiseScheme scheme = NoiseScheme.BOX_MULLER_V1;
    long key;
    int s0, s1, s2;
    private float[][] buffers = new float[0][];

    void ensureChunks(int threads) {
        if (buffers.length < threads) {
            float[][] grown = new float[threads][];
            for (int i = 0; i < threads; i++) grown[i] = i < buffers.length ? buffers[i] : new float[BUFFER];
            buffers = grown;
        }
    }

    @Override
    void span(int chunk, long row, long col, long flat, int len) {
        float[] buf = buffers[chunk];
        MemorySegment seg = out.seg;
        long o = out.at(row, col);
        for (int s = 0; s < len; s += BUFFER) {
            int n = Math.min(BUFFER, len - s);
            scheme.fill(key, s0, s1, s2, flat + s, buf, 0, n);
            MemorySegment.copy(buf, 0, seg, Simd.FLOAT, o + (long) s * Float.BYTES, n);
        }
    }
}
