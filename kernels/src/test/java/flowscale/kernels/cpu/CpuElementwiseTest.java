package flowscale.kernels.cpu;

import flowscale.kernels.Philox;
import flowscale.kernels.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static flowscale.kernels.cpu.TestData.assertClose;
import static flowscale.kernels.cpu.TestData.download;
import static flowscale.kernels.cpu.TestData.random;
import static flowscale.kernels.cpu.TestData.strided;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Element-wise, row-wise, reduction, layout and RNG ops against double loops, on tails and strided views. */
class CpuElementwiseTest {
    private static CpuBackend[] backends;
    /** Sizes around vector and chunk boundaries, including one large enough to run on several threads. */
    private static final int[][] GRIDS = {{1, 1}, {3, 7}, {5, 33}, {17, 64}, {2, 100_003}};

    @BeforeAll
    static void open() {
        backends = new CpuBackend[] {new CpuBackend(1), new CpuBackend(2), new CpuBackend(3)};
    }

    @AfterAll
    static void close() {
        for (CpuBackend b : backends) b.close();
    }

    interface Expected {
        double at(int i);
    }

    private static double[] expect(int n, Expected e) {
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = e.at(i);
        return r;
    }

    @Test
    void activationsAndFusedUpdates() {
        Random rnd = new Random(4);
        for (CpuBackend be : backends) {
            for (int[] g : GRIDS) {
                int rows = g[0], cols = g[1], n = rows * cols;
                float[] x = random(rnd, n), y = random(rnd, n), z = random(rnd, n);
                for (int i = 0; i < n; i += 7) x[i] *= 12f; // large arguments for the exponentials
                String tag = be.name() + " " + rows + "x" + cols;
                Tensor xs = strided(be, x, rows, cols, 3, 1), yc = be.upload(y, rows, cols), zs = strided(be, z, rows, cols, 1, 2);
                Tensor out = strided(be, new float[n], rows, cols, 2, 3);

                be.gelu(xs, out);
                assertClose(expect(n, i -> 0.5 * x[i] * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x[i] + 0.044715 * Math.pow(x[i], 3))))),
                        download(be, out), 1e-6, 2e-6, tag + " gelu");
                be.silu(xs, out);
                assertClose(expect(n, i -> x[i] / (1 + Math.exp(-x[i]))), download(be, out), 1e-6, 2e-6, tag + " silu");
                be.axpby(0.3f, xs, -1.7f, yc, out);
                assertClose(expect(n, i -> 0.3 * x[i] - 1.7 * y[i]), download(be, out), 1e-6, 1e-6, tag + " axpby");
                be.sdeUpdate(xs, yc, 0.05f, 0.2f, zs, out);
                assertClose(expect(n, i -> x[i] - y[i] * 0.05 + 0.2 * z[i]), download(be, out), 1e-6, 1e-6, tag + " sde");
                be.sdeUpdate(xs, yc, 0.05f, 0f, null, out);
                assertClose(expect(n, i -> x[i] - y[i] * 0.05), download(be, out), 1e-6, 1e-6, tag + " ode");
                be.tweedie(xs, yc, 0.6, -1.0, 1.0, out);
                assertClose(expect(n, i -> 0.6 * y[i] + x[i]), download(be, out), 1e-6, 1e-6, tag + " tweedie");
                be.fill(out, 2.5f);
                assertClose(expect(n, i -> 2.5), download(be, out), 0, 0, tag + " fill");

                // in place: out aliases x
                Tensor inPlace = be.upload(x, rows, cols);
                be.axpby(2f, inPlace, 1f, yc, inPlace);
                assertClose(expect(n, i -> 2.0 * x[i] + y[i]), download(be, inPlace), 1e-6, 1e-6, tag + " axpby in place");
            }
        }
    }

    @Test
    void reductions() {
        Random rnd = new Random(5);
        for (CpuBackend be : backends) {
            for (int[] g : GRIDS) {
                int rows = g[0], cols = g[1], n = rows * cols;
                float[] x = random(rnd, n);
                Tensor xs = strided(be, x, rows, cols, 5, 3);
                double sum = 0, sq = 0, max = Double.NEGATIVE_INFINITY;
                for (float v : x) {
                    sum += v;
                    sq += (double) v * v;
                    max = Math.max(max, v);
                }
                String tag = be.name() + " " + rows + "x" + cols;
                assertEquals(sum, be.sum(xs), 1e-5 * Math.sqrt(n) + 1e-6, tag + " sum");
                assertEquals(Math.sqrt(sq), be.norm2(xs), 1e-6 * Math.sqrt(sq) + 1e-7, tag + " norm2");
                assertEquals(max, be.max(xs), 0.0, tag + " max");
                x[n / 2] = Float.NaN;
                assertTrue(Double.isNaN(be.max(be.upload(x, n))), tag + " max with NaN");
            }
        }
    }

    @Test
    void normalisations() {
        Random rnd = new Random(6);
        for (CpuBackend be : backends) {
            for (int[] g : new int[][] {{1, 1}, {3, 7}, {9, 33}, {40, 256}, {2, 100_003}}) {
                int rows = g[0], d = g[1];
                float[] x = random(rnd, rows * d), gamma = random(rnd, d), beta = random(rnd, d);
                for (int i = 0; i < x.length; i++) x[i] = x[i] * 2f + 0.5f;
                Tensor xs = strided(be, x, rows, d, 2, 1), out = be.allocate(rows, d);
                double[] ln = new double[rows * d], lnAffine = new double[rows * d], rms = new double[rows * d], rmsG = new double[rows * d];
                for (int r = 0; r < rows; r++) {
                    double mean = 0, var = 0, ms = 0;
                    for (int j = 0; j < d; j++) mean += x[r * d + j];
                    mean /= d;
                    for (int j = 0; j < d; j++) {
                        var += Math.pow(x[r * d + j] - mean, 2);
                        ms += Math.pow(x[r * d + j], 2);
                    }
                    double inv = 1 / Math.sqrt(var / d + 1e-5), invRms = 1 / Math.sqrt(ms / d + 1e-6);
                    for (int j = 0; j < d; j++) {
                        ln[r * d + j] = (x[r * d + j] - mean) * inv;
                        lnAffine[r * d + j] = ln[r * d + j] * gamma[j] + beta[j];
                        rms[r * d + j] = x[r * d + j] * invRms;
                        rmsG[r * d + j] = rms[r * d + j] * gamma[j];
                    }
                }
                String tag = be.name() + " " + rows + "x" + d;
                be.layerNorm(xs, null, null, 1e-5f, out);
                assertClose(ln, download(be, out), 2e-5, 2e-5, tag + " layerNorm");
                be.layerNorm(xs, be.upload(gamma, d), be.upload(beta, d), 1e-5f, out);
                assertClose(lnAffine, download(be, out), 2e-5, 2e-5, tag + " layerNorm affine");
                be.rmsNorm(xs, null, 1e-6f, out);
                assertClose(rms, download(be, out), 2e-5, 2e-5, tag + " rmsNorm");
                be.rmsNorm(xs, be.upload(gamma, d), 1e-6f, out);
                assertClose(rmsG, download(be, out), 2e-5, 2e-5, tag + " rmsNorm gamma");
            }
        }
    }

    @Test
    void adaLnAndBroadcastRows() {
        Random rnd = new Random(7);
        for (CpuBackend be : backends) {
            for (int[] g : new int[][] {{1, 1, 1}, {2, 3, 7}, {3, 5, 40}, {4, 64, 256}}) {
                int items = g[0], tokens = g[1], d = g[2], rows = items * tokens;
                float[] x = random(rnd, rows * d), y = random(rnd, rows * d), ada = random(rnd, items * 3 * d);
                float[] table = random(rnd, tokens * d);
                Tensor adaT = strided(be, ada, items, 3 * d, 1, 2);
                Tensor shift = adaT.colRange(0, d), scale = adaT.colRange(d, d), gate = adaT.colRange(2 * d, d);
                Tensor xs = strided(be, x, rows, d, 3, 0), out = be.allocate(rows, d);
                String tag = be.name() + " " + items + "x" + tokens + "x" + d;

                be.modulate(xs, shift, scale, tokens, out);
                assertClose(expect(rows * d, i -> {
                    int r = i / d, j = i % d, b = r / tokens;
                    return x[i] * (1 + (double) ada[b * 3 * d + d + j]) + ada[b * 3 * d + j];
                }), download(be, out), 1e-6, 1e-6, tag + " modulate");

                Tensor residual = be.upload(x, rows, d);
                be.gatedAdd(residual, be.upload(y, rows, d), gate, tokens);
                assertClose(expect(rows * d, i -> {
                    int r = i / d, j = i % d, b = r / tokens;
                    return x[i] + (double) ada[b * 3 * d + 2 * d + j] * y[i];
                }), download(be, residual), 1e-6, 1e-6, tag + " gatedAdd");

                be.addBroadcastRows(xs, be.upload(table, tokens, d), out);
                assertClose(expect(rows * d, i -> x[i] + (double) table[(i / d % tokens) * d + i % d]),
                        download(be, out), 1e-6, 1e-6, tag + " addBroadcastRows");
            }
        }
    }

    @Test
    void timestepEmbeddingAndPatches() {
        Random rnd = new Random(8);
        for (CpuBackend be : backends) {
            for (int dim : new int[] {1, 6, 7, 64}) {
                float[] t = {0f, 0.25f, 1f, 999f};
                Tensor out = be.allocate(t.length, dim);
                be.timestepEmbedding(t, 10000f, out);
                int half = dim / 2;
                assertClose(expect(t.length * dim, i -> {
                    int b = i / dim, j = i % dim;
                    if (j >= 2 * half) return 0;
                    double f = Math.exp(-Math.log(10000) * (j % half) / half);
                    return j < half ? Math.cos(t[b] * f) : Math.sin(t[b] * f);
                }), download(be, out), 2e-6, 1e-6, be.name() + " timestep dim " + dim);
            }
            int b = 2, c = 3, h = 6, w = 4, p = 2;
            float[] img = random(rnd, b * c * h * w);
            Tensor imgT = be.upload(img, b, c, h, w);
            int tokens = b * (h / p) * (w / p), feat = c * p * p;
            Tensor tok = strided(be, new float[tokens * feat], tokens, feat, 2, 1);
            be.patchify(imgT, c, h, w, p, tok);
            float[] got = download(be, tok);
            for (int bi = 0; bi < b; bi++) {
                for (int gy = 0; gy < h / p; gy++) {
                    for (int gx = 0; gx < w / p; gx++) {
                        for (int ch = 0; ch < c; ch++) {
                            for (int py = 0; py < p; py++) {
                                for (int px = 0; px < p; px++) {
                                    int token = (bi * (h / p) + gy) * (w / p) + gx, f = (ch * p + py) * p + px;
                                    assertEquals(img[((bi * c + ch) * h + gy * p + py) * w + gx * p + px], got[token * feat + f]);
                                }
                            }
                        }
                    }
                }
            }
            Tensor back = be.allocate(b, c, h, w);
            be.unpatchify(tok, c, h, w, p, back);
            assertArrayEquals(img, download(be, back), be.name() + " unpatchify");
            assertThrows(IllegalArgumentException.class, () -> be.patchify(imgT, c, h, w, 4, tok));
        }
    }

    @Test
    void normalIsBitIdenticalToPhilox() {
        for (CpuBackend be : backends) {
            for (int[] g : new int[][] {{1, 1}, {3, 5}, {7, 9001}}) {
                int rows = g[0], cols = g[1], n = rows * cols;
                float[] expected = new float[n];
                Philox.fillNormal(0x1234_5678_9ABCL, 7, 8, 9, 0, expected, 0, n);
                Tensor out = strided(be, new float[n], rows, cols, 3, 1);
                be.normal(0x1234_5678_9ABCL, 7, 8, 9, out);
                assertArrayEquals(expected, download(be, out), be.name() + " normal " + rows + "x" + cols);
            }
        }
    }

    @Test
    void threadsSharingOneBackendTakeTurns() throws Exception {
        CpuBackend be = backends[1];
        int n = 300_000;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            java.util.List<java.util.concurrent.Future<float[]>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 2; t++) {
                float a = t + 1;
                results.add(pool.submit(() -> {
                    Tensor x = be.upload(new float[n], n), out = be.allocate(n);
                    be.fill(x, 1f);
                    for (int i = 0; i < 200; i++) be.axpby(a, x, 0f, x, out);
                    return download(be, out);
                }));
            }
            for (int t = 0; t < 2; t++) {
                float[] got = results.get(t).get();
                for (float v : got) assertEquals(t + 1f, v, "thread " + t);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void rejectsMismatchedShapes() {
        CpuBackend be = backends[1];
        Tensor a = be.allocate(3, 4), b = be.allocate(4, 4);
        assertThrows(IllegalArgumentException.class, () -> be.axpby(1f, a, 1f, b, a));
        assertThrows(IllegalArgumentException.class, () -> be.sdeUpdate(a, a, 0.1f, 0.5f, null, a));
        try (CpuBackend other = new CpuBackend(1)) {
            Tensor foreign = other.allocate(3, 4);
            assertThrows(IllegalArgumentException.class, () -> be.gelu(foreign, a));
        }
    }
}
