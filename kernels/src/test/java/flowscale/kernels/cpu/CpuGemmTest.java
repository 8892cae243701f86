package flowscale.kernels.cpu;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static flowscale.kernels.cpu.TestData.assertClose;
import static flowscale.kernels.cpu.TestData.download;
import static flowscale.kernels.cpu.TestData.random;
import static flowscale.kernels.cpu.TestData.strided;

/** linear and gemm against double-precision loops: tails in M, N and K, K blocks, strided and offset views. */
class CpuGemmTest {
    private static CpuBackend[] backends;

    @BeforeAll
    static void open() {
        backends = new CpuBackend[] {new CpuBackend(1), new CpuBackend(2), new CpuBackend(3)};
    }

    @AfterAll
    static void close() {
        for (CpuBackend b : backends) b.close();
    }

    /** M, N, K: tails of every kind, more than one K block, and products big enough to split by M and by N. */
    private static final int[][] SHAPES = {
        {1, 1, 1}, {1, 5, 3}, {7, 33, 9}, {8, 32, 256}, {13, 47, 300}, {130, 70, 17}, {64, 96, 513}, {200, 64, 200}, {257, 40, 31}, {3, 0, 4}, {4, 6, 0},
        // at least three chunks of GemmJob.MIN_CHUNK_FLOPS: split by M, and (three row tiles) by N
        {700, 400, 100}, {56, 1200, 256},
    };

    @Test
    void linearMatchesDoubleLoops() {
        Random rnd = new Random(1);
        for (CpuBackend be : backends) {
            for (int[] s : SHAPES) {
                int m = s[0], n = s[1], k = s[2];
                float[] x = random(rnd, m * k), w = random(rnd, n * k), bias = random(rnd, n);
                for (boolean withBias : new boolean[] {true, false}) {
                    for (boolean views : new boolean[] {false, true}) {
                        Tensor xt = views ? strided(be, x, m, k, 3, 5) : be.upload(x, m, k);
                        Tensor wt = views ? strided(be, w, n, k, 1, 7) : be.upload(w, n, k);
                        Tensor out = views ? strided(be, new float[m * n], m, n, 2, 1) : be.allocate(m, n);
                        PackedWeight pw = be.pack(wt);
                        be.linear(xt, pw, withBias ? be.upload(bias, n) : null, out);
                        double[] expected = new double[m * n];
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                double acc = withBias ? bias[j] : 0;
                                for (int kk = 0; kk < k; kk++) acc += (double) x[i * k + kk] * w[j * k + kk];
                                expected[i * n + j] = acc;
                            }
                        }
                        assertClose(expected, download(be, out), 1e-5, 1e-4,
                                be.name() + " linear " + Arrays.toString(s) + " bias=" + withBias + " views=" + views);
                    }
                }
            }
        }
    }

    @Test
    void gemmMatchesDoubleLoopsForEveryTransposeAndScaling() {
        Random rnd = new Random(2);
        for (CpuBackend be : backends) {
            for (int[] s : SHAPES) {
                int m = s[0], n = s[1], k = s[2];
                for (int variant = 0; variant < 4; variant++) {
                    boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
                    float[] a = random(rnd, m * k), b = random(rnd, k * n), c0 = random(rnd, m * n);
                    Tensor at = ta ? strided(be, a, k, m, 2, 3) : strided(be, a, m, k, 2, 3);
                    Tensor bt = tb ? strided(be, b, n, k, 1, 0) : be.upload(b, k, n);
                    float alpha = 0.75f;
                    for (float beta : new float[] {0f, 1f, -0.5f}) {
                        float[] cInit = beta == 0f ? nanFilled(m * n) : c0;
                        Tensor ct = strided(be, cInit, m, n, 4, 2);
                        be.gemm(ta, tb, alpha, at, bt, beta, ct);
                        double[] expected = new double[m * n];
                        for (int i = 0; i < m; i++) {
                            for (int j = 0; j < n; j++) {
                                double acc = 0;
                                for (int kk = 0; kk < k; kk++) {
                                    double av = ta ? a[kk * m + i] : a[i * k + kk];
                                    double bv = tb ? b[j * k + kk] : b[kk * n + j];
                                    acc += av * bv;
                                }
                                expected[i * n + j] = alpha * acc + (beta == 0f ? 0 : beta * (double) c0[i * n + j]);
                            }
                        }
                        assertClose(expected, download(be, ct), 1e-5, 1e-4,
                                be.name() + " gemm " + Arrays.toString(s) + " ta=" + ta + " tb=" + tb + " beta=" + beta);
                    }
                }
            }
        }
    }

    /**
     * A row's result must not depend on how many rows share the product (batch-composition independence),
     * including the one- and two-row products that take the narrow kernel: rows of an M = 1 or 2 product
     * equal, bit for bit, the same rows of a 19-row one. N spans a full group of wide panels plus a tail, K
     * two K blocks.
     */
    @Test
    void fewRowsGiveTheSameBitsAsTheSameRowsOfALargerProduct() {
        Random rnd = new Random(3);
        int n = 5 * GemmKernel.NR + 7, k = GemmJob.KC + 44, big = 19;
        float[] x = random(rnd, big * k), w = random(rnd, n * k), bias = random(rnd, n);
        for (CpuBackend be : backends) {
            PackedWeight pw = be.pack(be.upload(w, n, k));
            Tensor biasT = be.upload(bias, n);
            Tensor all = be.allocate(big, n);
            be.linear(be.upload(x, big, k), pw, biasT, all);
            float[] expected = download(be, all);
            for (int m = 1; m <= 2; m++) {
                Tensor out = be.allocate(m, n);
                be.linear(be.upload(Arrays.copyOf(x, m * k), m, k), pw, biasT, out);
                float[] got = download(be, out);
                for (int i = 0; i < m * n; i++) {
                    if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(expected[i])) {
                        throw new AssertionError(be.name() + " linear M=" + m + ": element " + i + " is " + got[i]
                                + ", the same row of the " + big + "-row product gives " + expected[i]);
                    }
                }
            }
        }
    }

    private static float[] nanFilled(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }
}
