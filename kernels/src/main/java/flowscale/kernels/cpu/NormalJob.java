package flowscale.kernels.cpu;

import flowscale.kernels.NoiseScheme;

import java.lang.foreign.MemorySegment;

/**
 * Fills {@code out} with the Philox normal stream of a {@link NoiseScheme}. The generator is counter-based, so
 * every chunk produces its own disjoint index range and the result is bit-identical to a single-threaded fill
 * whatever the chunking: {@code boxmuller-v1} through {@link NoiseScheme#fill}, {@code quantile-v2} through the
 * vectorised {@link QuantileNormals}.
 */
final class NormalJob extends SpanJob {
    private static final int BUFFER = 4096;

    NoiseScheme scheme = NoiseScheme.BOX_MULLER_V1;
    long key;
    int s0, s1, s2;
    private float[][] buffers = new float[0][];
    private int[][] words = new int[0][];
    private int[][] pieces = new int[0][];

    void ensureChunks(int threads) {
        if (buffers.length < threads) {
            float[][] grown = new float[threads][];
            for (int i = 0; i < threads; i++) grown[i] = i < buffers.length ? buffers[i] : new float[BUFFER];
            buffers = grown;
            words = new int[threads][QuantileNormals.wordsFor(BUFFER)];
            pieces = new int[threads][Simd.L];
        }
    }

    @Override
    void span(int chunk, long row, long col, long flat, int len) {
        float[] buf = buffers[chunk];
        MemorySegment seg = out.seg;
        long o = out.at(row, col);
        for (int s = 0; s < len; s += BUFFER) {
            int n = Math.min(BUFFER, len - s);
            if (scheme == NoiseScheme.QUANTILE_V2) {
                QuantileNormals.fill(key, s0, s1, s2, flat + s, buf, n, words[chunk], pieces[chunk]);
            } else {
                scheme.fill(key, s0, s1, s2, flat + s, buf, 0, n);
            }
            MemorySegment.copy(buf, 0, seg, Simd.FLOAT, o + (long) s * Float.BYTES, n);
        }
    }
}
