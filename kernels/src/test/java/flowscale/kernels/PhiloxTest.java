package flowscale.kernels;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.distribution.UniformRealDistribution;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PhiloxTest {

    // ------------------------------------------------------------ Random123 known-answer vectors (kat_vectors)

    @Test
    void katAllZero() {
        assertBlock(new int[] {0, 0, 0, 0}, new int[] {0, 0},
                new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
    }

    @Test
    void katAllOnes() {
        assertBlock(new int[] {0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, new int[] {0xffffffff, 0xffffffff},
                new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
    }

    @Test
    void katPiDigits() {
        assertBlock(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, new int[] {0xa4093822, 0x299f31d0},
                new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
    }

    /** The array form is n {@code block} calls of consecutive counters, also where the counter wraps to 0. */
    @Test
    void blocksAreBlocks() {
        java.util.Random rnd = new java.util.Random(4);
        int[] one = new int[4];
        for (int trial = 0; trial < 200; trial++) {
            int n = trial == 1 ? 0 : 1 + rnd.nextInt(70);
            int c0 = trial == 0 ? -3 : rnd.nextInt(), c1 = rnd.nextInt(), c2 = rnd.nextInt(), c3 = rnd.nextInt();
            int k0 = rnd.nextInt(), k1 = rnd.nextInt();
            int[] w0 = new int[n + 1], w1 = new int[n + 1], w2 = new int[n + 1], w3 = new int[n + 1];
            Philox.blocks(c0, c1, c2, c3, k0, k1, w0, w1, w2, w3, n);
            for (int i = 0; i < n; i++) {
                Philox.block(c0 + i, c1, c2, c3, k0, k1, one);
                assertArrayEquals(one, new int[] {w0[i], w1[i], w2[i], w3[i]}, "trial " + trial + ", block " + i);
            }
            assertArrayEquals(new int[] {0, 0, 0, 0}, new int[] {w0[n], w1[n], w2[n], w3[n]}, "past n untouched");
        }
    }

    private static void assertBlock(int[] ctr, int[] key, int[] expected) {
        int[] out = new int[4];
        Philox.block(ctr[0], ctr[1], ctr[2], ctr[3], key[0], key[1], out);
        assertArrayEquals(expected, out, () -> String.format("got {%08x, %08x, %08x, %08x}", out[0], out[1], out[2], out[3]));
    }

    /** The documented bit layout: key low word is k0, stream words fill counter words 1..3, block = i / 4. */
    @Test
    void uniformFollowsTheDocumentedLayout() {
        long key = 0x299f31d0_a4093822L;
        int[] w = new int[4];
        Philox.block(5, 11, 22, 33, 0xa4093822, 0x299f31d0, w);
        for (int lane = 0; lane < 4; lane++) {
            assertEquals(Philox.uniformOpen(w[lane]), Philox.uniform(key, 11, 22, 33, 20 + lane));
        }
    }

    // ------------------------------------------------------------ statistics

    /** 100k normals against N(0, 1): Kolmogorov-Smirnov at the 0.1% level, fixed seed, plus moments. */
    @Test
    void normalsAreStandardNormal() {
        int n = 100_000;
        float[] z = new float[n];
        Philox.fillNormal(0x5eed_1234_abcdL, 3, 1, 4, 0, z, 0, n);
        double[] d = new double[n];
        double mean = 0, sq = 0;
        for (int i = 0; i < n; i++) {
            d[i] = z[i];
            mean += z[i];
            sq += (double) z[i] * z[i];
            assertTrue(Float.isFinite(z[i]), "non-finite normal at " + i);
        }
        mean /= n;
        double var = sq / n - mean * mean;
        double p = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(new NormalDistribution(null, 0, 1), d);
        assertTrue(p > 0.001, "KS p-value " + p);
        // Standard errors: mean 1/sqrt(n) ~ 0.0032, variance sqrt(2/n) ~ 0.0045; allow 5 of them.
        assertEquals(0.0, mean, 0.016);
        assertEquals(1.0, var, 0.023);
    }

    /** 100k uniforms: KS against U(0, 1) and a chi-square over 100 equal bins, both at the 0.1% level. */
    @Test
    void uniformsAreUniform() {
        int n = 100_000, bins = 100;
        double[] u = new double[n];
        long[] counts = new long[bins];
        double[] expected = new double[bins];
        for (int i = 0; i < n; i++) {
            u[i] = Philox.uniform(42L, 7, 0, 9, i);
            assertTrue(u[i] > 0 && u[i] < 1, "uniform outside (0, 1): " + u[i]);
            counts[(int) (u[i] * bins)]++;
        }
        java.util.Arrays.fill(expected, (double) n / bins);
        double ks = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(new UniformRealDistribution(null, 0, 1), u);
        double chi = new ChiSquareTest().chiSquareTest(expected, counts);
        assertTrue(ks > 0.001, "KS p-value " + ks);
        assertTrue(chi > 0.001, "chi-square p-value " + chi);
    }

    /** Neighbouring streams are not correlated (they differ in one counter word). */
    @Test
    void neighbouringStreamsAreUncorrelated() {
        int n = 50_000;
        float[] a = new float[n], b = new float[n];
        Philox.fillNormal(99L, 0, 0, 0, 0, a, 0, n);
        Philox.fillNormal(99L, 0, 0, 1, 0, b, 0, n);
        double dot = 0;
        for (int i = 0; i < n; i++) dot += (double) a[i] * b[i];
        // The sample correlation of independent normals has standard error 1/sqrt(n) ~ 0.0045.
        assertEquals(0.0, dot / n, 0.025);
    }

    // ------------------------------------------------------------ determinism

    /** fillNormal over any split of a range, starting anywhere in a block, equals element-wise normal. */
    @Test
    void fillNormalOverAnySplitEqualsElementWise() {
        SplittableRandom rnd = new SplittableRandom(2026);
        for (int trial = 0; trial < 20; trial++) {
            long key = rnd.nextLong();
            int s0 = rnd.nextInt(), s1 = rnd.nextInt(), s2 = rnd.nextInt();
            long first = rnd.nextLong(0, 1L << 33);
            int n = rnd.nextInt(1, 300);
            float[] whole = new float[n];
            Philox.fillNormal(key, s0, s1, s2, first, whole, 0, n);
            float[] pieces = new float[n + 3];
            int pos = 0;
            while (pos < n) {
                int len = Math.min(n - pos, rnd.nextInt(1, 9));
                Philox.fillNormal(key, s0, s1, s2, first + pos, pieces, pos + 3, len);
                pos += len;
            }
            for (int i = 0; i < n; i++) {
                float single = Philox.normal(key, s0, s1, s2, first + i);
                assertEquals(Float.floatToRawIntBits(single), Float.floatToRawIntBits(whole[i]), "element " + i);
                assertEquals(Float.floatToRawIntBits(single), Float.floatToRawIntBits(pieces[i + 3]), "split element " + i);
            }
        }
    }

    /** The last addressable block works; the first index beyond 2^34 is rejected with a clear message. */
    @Test
    void indexRange() {
        long last = (1L << 34) - 1;
        assertTrue(Float.isFinite(Philox.normal(1, 2, 3, 4, last)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Philox.normal(1, 2, 3, 4, last + 1));
        assertTrue(e.getMessage().contains("2^34"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Philox.uniform(1, 2, 3, 4, -1));
    }
}
