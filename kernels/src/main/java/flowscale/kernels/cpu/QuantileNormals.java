package flowscale.kernels.cpu;

import flowscale.kernels.NormalQuantile;
import flowscale.kernels.Philox;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link NormalQuantile} (the {@code quantile-v2} normals) with the transform on {@link Simd#F}-wide vectors: the
 * same integer steps, the same exact subtraction and the same three fma per lane, with the coefficients gathered
 * per lane, so every float equals the scalar definition's bit for bit. The Philox rounds run on vectors too, one
 * block per 64-bit lane (a 32 x 32 -&gt; 64-bit product per multiply, as {@link Philox#block} computes it), and
 * their words are scattered into element order in a word buffer before the transform.
 */
final class QuantileNormals {
    private static final VectorSpecies<Integer> I = Simd.F.vectorShape().withLanes(int.class);
    /** One Philox block per lane. */
    private static final VectorSpecies<Long> B = Simd.F.vectorShape().withLanes(long.class);
    /** The blocks' words as ints: half the bits of {@link #B}. */
    private static final VectorSpecies<Integer> W = VectorShape.forBitSize(Simd.F.vectorBitSize() / 2).withLanes(int.class);
    /** Word l of lane j goes to element 4j + l. */
    private static final int[] STRIDE4 = new int[B.length()];
    private static final long LOW32 = 0xFFFFFFFFL;
    private static final long M0 = 0xD2511F53L, M1 = 0xCD9E8D57L;

    static {
        for (int j = 0; j < STRIDE4.length; j++) STRIDE4[j] = 4 * j;
    }

    /** Ints of word buffer {@link #fill} needs for {@code length} elements. */
    static int wordsFor(int length) {
        return length + 4 * (B.length() + 1);
    }
    private static final int P = NormalQuantile.PIECES;
    private static final float[] C = NormalQuantile.table();

    private QuantileNormals() {}

    /**
     * Elements {@code first .. first+length-1} of stream {@code (key; s0, s1, s2)} into {@code out[0, length)};
     * {@code words} holds at least {@link #wordsFor wordsFor(length)} ints and {@code pieces} at least {@link Simd#L}.
     */
    static void fill(long key, int s0, int s1, int s2, long first, float[] out, int length, int[] words, int[] pieces) {
        if (length <= 0) return;
        NormalQuantile.normal(key, s0, s1, s2, first + length - 1); // range check before anything is written
        int k0 = (int) key, k1 = (int) (key >>> 32);
        // words of the blocks covering [first, first+length), starting at the first block's word 0
        int lead = (int) (first & 3);
        long block = first >>> 2;
        int count = lead + length;
        LongVector iota = LongVector.zero(B).addIndex(1);
        for (int o = 0; o < count; o += 4 * B.length(), block += B.length()) {
            blocks(iota.add(block).and(LOW32), s0, s1, s2, k0, k1, words, o);
        }
        int i = 0;
        int bound = I.loopBound(length);
        for (; i < bound; i += I.length()) transform(words, lead + i, out, i, pieces);
        for (; i < length; i++) out[i] = NormalQuantile.of(words[lead + i]);
    }

    /** Philox4x32-10 of the blocks {@code c0} (one per lane), their words into {@code words[o + 4j + l]}. */
    private static void blocks(LongVector c0, int s0, int s1, int s2, int k0, int k1, int[] words, int o) {
        LongVector c1 = LongVector.broadcast(B, s0 & LOW32);
        LongVector c2 = LongVector.broadcast(B, s1 & LOW32);
        LongVector c3 = LongVector.broadcast(B, s2 & LOW32);
        for (int round = 0; round < 10; round++) {
            LongVector p0 = c0.mul(M0);
            LongVector p1 = c2.mul(M1);
            LongVector n0 = p1.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c1).lanewise(VectorOperators.XOR, k0 & LOW32);
            LongVector n2 = p0.lanewise(VectorOperators.LSHR, 32).lanewise(VectorOperators.XOR, c3).lanewise(VectorOperators.XOR, k1 & LOW32);
            c1 = p1.and(LOW32);
            c3 = p0.and(LOW32);
            c0 = n0;
            c2 = n2;
            k0 += 0x9E3779B9;
            k1 += 0xBB67AE85;
        }
        scatter(c0, words, o);
        scatter(c1, words, o + 1);
        scatter(c2, words, o + 2);
        scatter(c3, words, o + 3);
    }

    private static void scatter(LongVector word, int[] words, int o) {
        ((IntVector) word.convertShape(VectorOperators.L2I, W, 0)).intoArray(words, o, STRIDE4, 0);
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
