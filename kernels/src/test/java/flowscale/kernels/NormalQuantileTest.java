package flowscale.kernels;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.special.Erf;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code quantile-v2} transform: its accuracy against the exact quantile on every piece, its exact tail
 * probabilities (counted over every word that lands in the tail), and fixed-seed statistics of a million draws.
 */
class NormalQuantileTest {

    /** The p a word encodes, as the definition reads it: top 24 bits of y = 2 (w mod 2^31) + 1 over 2^33. */
    private static double tailProbability(int w) {
        int y = (w << 1) | 1;
        int b = Integer.numberOfLeadingZeros(y);
        int n = y << b;
        double m = 1 + ((n >>> 8) & 0x7FFFFF) / 8388608.0;
        return m * Math.scalb(1.0, -(b + 2));
    }

    /** A word whose y has {@code b} leading zeros, with random lower bits and sign. */
    private static int wordInBinade(SplittableRandom r, int b) {
        int y = (int) (((0x80000000L | (r.nextInt() & 0xFFFFFFFFL)) >>> b) | 1);
        return (y >>> 1) | (r.nextBoolean() ? 0x80000000 : 0);
    }

    /** Stated in NormalQuantile: at most 1.1 ulp where |x| >= 0.5, 4.4e-8 absolute below; 400 random words per piece plus each piece's ends. */
    @Test
    void accuracyAgainstTheExactQuantileOnEveryPiece() {
        SplittableRandom r = new SplittableRandom(21);
        double worstUlp = 0, worstAbs = 0;
        int checked = 0;
        for (int b = 0; b < 32; b++) {
            for (int i = 0; i < 16 * 400 + 64; i++) {
                int w;
                if (i < 64) { // the ends of the 16 pieces (smallest and largest m of each), both signs
                    int s = i >> 2;
                    int mant = (s << 19) | ((i & 1) == 0 ? 0 : 0x7FFFF);
                    long n = 0x80000000L | ((long) mant << 8) | 0x80;
                    int y = (int) ((n >>> b) | 1);
                    w = (y >>> 1) | ((i & 2) == 0 ? 0 : 0x80000000);
                } else {
                    w = wordInBinade(r, b);
                }
                double exact = NormalQuantileTableGenerator.upperQuantile(tailProbability(w));
                float x = NormalQuantile.of(w);
                float q = w < 0 ? x : -x;
                assertTrue(q > 0, "q must be positive, got " + q + " for word " + Integer.toHexString(w));
                double err = Math.abs(q - exact);
                if (exact >= 0.5) worstUlp = Math.max(worstUlp, err / Math.ulp((float) exact));
                else worstAbs = Math.max(worstAbs, err);
                checked++;
            }
        }
        assertTrue(worstUlp <= 1.1, "worst error above 0.5: " + worstUlp + " ulp");
        assertTrue(worstAbs <= 4.4e-8, "worst absolute error below 0.5: " + worstAbs);
        assertEquals(32 * (16 * 400 + 64), checked);
    }

    /** The top piece, where q falls to 0: every one of its 2^19 values is positive, so the sign is w's top bit. */
    @Test
    void smallestValuesKeepTheirSign() {
        for (int mant = 15 << 19; mant < 1 << 23; mant++) {
            int y = (0x80000000 | (mant << 8) | 0x80);
            int w = y >>> 1;
            assertTrue(NormalQuantile.of(w) < 0, "word " + Integer.toHexString(w));
            assertTrue(NormalQuantile.of(w | 0x80000000) > 0, "word " + Integer.toHexString(w | 0x80000000));
        }
    }

    @Test
    void exactlySymmetric() {
        SplittableRandom r = new SplittableRandom(5);
        for (int i = 0; i < 100_000; i++) {
            int w = r.nextInt();
            assertEquals(Float.floatToRawIntBits(-NormalQuantile.of(w)), Float.floatToRawIntBits(NormalQuantile.of(w ^ 0x80000000)));
        }
    }

    /**
     * P(X > t) for t = 3..6 counted exactly over all 2^32 words (the tail's words are the smallest y: every odd y
     * below a bound is evaluated) against 1 - Phi(t): within 2 words plus 1e-5 relative (a 1-ulp error in q
     * moves P by about t * ulp(t) relative, 2.4e-6 at t = 5).
     */
    @Test
    void tailProbabilitiesAreExactUpToRounding() {
        double[] thresholds = {3, 4, 5, 6};
        long[] counts = new long[thresholds.length];
        long bound = 1L << 24; // y < 2^24 means p < 2^-9, q > 2.88: beyond it no word reaches 3
        for (long y = 1; y < bound; y += 2) {
            float x = NormalQuantile.of((int) (y >>> 1) | 0x80000000);
            for (int i = 0; i < thresholds.length; i++) if (x > thresholds[i]) counts[i]++;
        }
        assertTrue(NormalQuantile.of((int) (bound >>> 1) | 0x80000000) < 3, "the loop must cover every word beyond 3");
        for (int i = 0; i < thresholds.length; i++) {
            double expected = 0.5 * Erf.erfc(thresholds[i] / Math.sqrt(2)) * 4294967296.0;
            assertEquals(expected, counts[i], 2 + 1e-5 * expected, "words beyond " + thresholds[i] + " sigma");
        }
        assertTrue(counts[3] >= 2, "normals beyond 6 sigma must exist");
    }

    /** A million draws of one fixed stream: KS and chi-square (100 equiprobable bins) at 0.1 %, moments, the 4-sigma tail. */
    @Test
    void aMillionDrawsAreStandardNormal() {
        int n = 1_000_000;
        float[] z = new float[n];
        NormalQuantile.fill(0x5eed_1234_abcdL, 3, 1, 4, 0, z, 0, n);
        NormalDistribution normal = new NormalDistribution(null, 0, 1);
        double[] d = new double[n];
        double m1 = 0, m2 = 0, m3 = 0, m4 = 0;
        long beyond4 = 0;
        long[] bins = new long[100];
        for (int i = 0; i < n; i++) {
            double v = z[i];
            d[i] = v;
            m1 += v;
            m2 += v * v;
            m3 += v * v * v;
            m4 += v * v * v * v;
            if (Math.abs(v) > 4) beyond4++;
            bins[Math.min(99, (int) (normal.cumulativeProbability(v) * 100))]++;
        }
        m1 /= n; m2 /= n; m3 /= n; m4 /= n;
        double p = new KolmogorovSmirnovTest().kolmogorovSmirnovTest(normal, d);
        assertTrue(p > 0.001, "KS p-value " + p);
        double[] expected = new double[100];
        java.util.Arrays.fill(expected, n / 100.0);
        double chi = new ChiSquareTest().chiSquareTest(expected, bins);
        assertTrue(chi > 0.001, "chi-square p-value " + chi);
        // Standard errors at n = 1e6: mean 0.001, E[z^2] 0.0014, E[z^3] 0.0039, E[z^4] 0.0098; allow 5 of them.
        assertEquals(0, m1, 0.005);
        assertEquals(1, m2, 0.007);
        assertEquals(0, m3, 0.02);
        assertEquals(3, m4, 0.05);
        // P(|Z| > 4) = 6.33e-5: 63.3 expected, Poisson sd 8; allow 5 sd.
        assertEquals(63.3, beyond4, 40);
    }

    /**
     * The fill is the element-wise definition at any start and length, including ones that cut Philox blocks, span
     * several of its passes (256 blocks each) and end at the stream's last element.
     */
    @Test
    void fillMatchesElementwiseDefinition() {
        long key = 0x0123_4567_89ab_cdefL;
        for (long first : new long[] {0, 1, 2, 3, 5, 4096, (1L << 34) - 4999}) {
            for (int len : new int[] {1, 2, 3, 4, 7, 8, 9, 15, 16, 33, 1021, 1024, 1025, 3072, 4999}) {
                float[] out = new float[len + 2];
                NormalQuantile.fill(key, 7, 8, 9, first, out, 1, len);
                assertEquals(0f, out[0]);
                assertEquals(0f, out[len + 1]);
                for (int i = 0; i < len; i++) {
                    assertEquals(Float.floatToRawIntBits(NormalQuantile.normal(key, 7, 8, 9, first + i)), Float.floatToRawIntBits(out[1 + i]));
                }
            }
        }
        int[] w = new int[4];
        Philox.block(0, 7, 8, 9, (int) key, (int) (key >>> 32), w);
        for (int lane = 0; lane < 4; lane++) assertEquals(NormalQuantile.of(w[lane]), NormalQuantile.normal(key, 7, 8, 9, lane));
    }
}
