package flowscale.kernels.cpu;

import flowscale.kernels.NoiseScheme;

import java.lang.foreign.MemorySegment;

/**
 * Fills {@code out} with the Philox normal stream of a {@link NoiseScheme}. The generator is counter-based, so
 * every chunk produces its own disjoint index range and the result is bit-identical to a single-threaded fill
 * whatever the chunking: {@code boxmuller-v1} through {@link NoiseScheme#fill}, {@code quantile-v2} through the
 * vectorised {@link QuantileNormals} or the scalar {@link NoiseScheme#fill}, which give the same bits.
 *
 * <p>Which {@code quantile-v2} fill runs is a matter of speed only. Compiled by C2 the vector fill is about 2x faster
 * than the scalar one (2.6 against 5.4 ns per normal), but until C2 has compiled it the Vector API runs boxed, orders of
 * magnitude slower, and a search draws too few normals for C2 to get there soon: in a fresh JVM the main job's 500
 * fills of one latent took 1.8 s with the vector fill against 0.15 s with the scalar one, and timed trials of the vector
 * fill every 16th fill still cost 0.8 s. At the shapes model's 3,072 normals per candidate the vector fill would save
 * about 9 µs per candidate once warm. So the scalar fill is the default, and {@code -Dflowscale.cpu.quantile=vector} selects
 * the vector one (the benchmarks measure it that way).
 */
final class NormalJob extends SpanJob {
    private static final int BUFFER = 4096;
    /** Which quantile-v2 fill runs; tests pin one to check both. */
    enum QuantilePath { SCALAR, VECTOR }

    static volatile QuantilePath quantilePath =
            "vector".equals(System.getProperty("flowscale.cpu.quantile")) ? QuantilePath.VECTOR : QuantilePath.SCALAR;

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
                quantile(chunk, flat + s, buf, n);
            } else {
                scheme.fill(key, s0, s1, s2, flat + s, buf, 0, n);
            }
            MemorySegment.copy(buf, 0, seg, Simd.FLOAT, o + (long) s * Float.BYTES, n);
        }
    }

    private void quantile(int chunk, long first, float[] buf, int n) {
        if (quantilePath == QuantilePath.VECTOR) QuantileNormals.fill(key, s0, s1, s2, first, buf, n, words[chunk], pieces[chunk]);
        else NoiseScheme.QUANTILE_V2.fill(key, s0, s1, s2, first, buf, 0, n);
    }
}
