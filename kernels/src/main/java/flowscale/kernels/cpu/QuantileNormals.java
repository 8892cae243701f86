package flowscale.kernels.cpu;

import flowscale.kernels.NormalQuantile;
import flowscale.kernels.Philox;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link NormalQuantile} (the {@code quantile-v2} normals) with the transform on {@link Simd#F}-wide vectors: the
 * same integer steps, the same exact subtraction and the same three fma per lane, with the coefficients gathered
 * per lane, so every float equals the scalar definition's bit for bit. Philox words come from the scalar
 * {@link Philox#block} into a word buffer first.
 */
final class QuantileNormals {
    private static final VectorSpecies<Integer> I = Simd.F.vectorShape().withLanes(int.class);
    private static final int P = NormalQuantile.PIECES;
    private static final float[] C = NormalQuantile.table();

    private QuantileNormals() {}

    /**
     * Elements {@code first .. first+length-1} of stream {@code (key; s0, s1, s2)} into {@code out[0, length)};
     * {@code words} holds at least {@code length + 8} ints and {@code pieces} at least {@link Simd#L}.
     */
    static void fill(long key, int s0, int s1, int s2, long first, float[] out, int length, int[] words, int[] pieces) {
        if (length <= 0) return;
        NormalQuantile.normal(key, s0, s1, s2, first + length - 1); // range check before anything is written
        int k0 = (int) key, k1 = (int) (key >>> 32);
        // words of the blocks covering [first, first+length), starting at the first block's word 0
        int lead = (int) (first & 3);
        int[] w = new int[4];
        long block = first >>> 2;
        int count = lead + length;
        for (int o = 0; o < count; o += 4, block++) {
            Philox.block((int) block, s0, s1, s2, k0, k1, w);
            words[o] = w[0];
            words[o + 1] = w[1];
            words[o + 2] = w[2];
            words[o + 3] = w[3];
        }
        int i = 0;
        int bound = I.loopBound(length);
        for (; i < bound; i += I.length()) transform(words, lead + i, out, i, pieces);
        for (; i < length; i++) out[i] = NormalQuantile.of(words[lead + i]);
    }

    private static void transform(int[] words, int from, float[] out, int to, int[] pieces) {
        IntVector w = IntVector.fromArray(I, words, from);
        IntVector y = w.lanewise(VectorOperators.LSHL, 1).or(1);
        IntVector b = y.lanewise(VectorOperators.LEADING_ZEROS_COUNT);
        IntVector n = y.lanewise(VectorOperators.LSHL, b);
        IntVector mBits = n.lanewise(VectorOperators.LSHR, 8).and(0x7FFFFF).or(0x3F800000);
        IntVector centreBits = mBits.and(0xFFF80000).or(0x40000);
        FloatVector t = mBits.reinterpretAsFloats().sub(centreBits.reinterpretAsFloats());
        b.lanewise(VectorOperators.LSHL, 4).or(n.lanewise(VectorOperators.LSHR, 27).and(15)).intoArray(pieces, 0);
        FloatVector q = FloatVector.fromArray(Simd.F, C, 3 * P, pieces, 0)
                .fma(t, FloatVector.fromArray(Simd.F, C, 2 * P, pieces, 0))
                .fma(t, FloatVector.fromArray(Simd.F, C, P, pieces, 0))
                .fma(t, FloatVector.fromArray(Simd.F, C, 0, pieces, 0));
        IntVector sign = w.not().and(0x80000000);
        q.reinterpretAsInts().lanewise(VectorOperators.XOR, sign).reinterpretAsFloats().intoArray(out, to);
    }
}
