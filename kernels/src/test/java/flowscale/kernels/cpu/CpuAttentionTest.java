package flowscale.kernels.cpu;

import flowscale.kernels.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static flowscale.kernels.cpu.TestData.assertClose;
import static flowscale.kernels.cpu.TestData.download;
import static flowscale.kernels.cpu.TestData.random;
import static flowscale.kernels.cpu.TestData.strided;

/** Flash attention against a double-precision softmax, with q/k/v as column chunks of a fused qkv buffer. */
class CpuAttentionTest {
    private static final int[][] CASES = { // batch, seq, heads, headDim
        {1, 1, 1, 1}, {2, 5, 3, 8}, {1, 70, 2, 12}, {3, 64, 4, 32}, {2, 130, 2, 64}, {1, 33, 1, 20},
        {4, 130, 4, 64}, // enough work for three chunks (GemmJob.MIN_CHUNK_FLOPS each)
    };

    @Test
    void matchesDoubleSoftmaxAttention() {
        Random rnd = new Random(3);
        for (int threads : new int[] {1, 2, 3}) {
            try (CpuBackend be = new CpuBackend(threads)) {
                for (int[] c : CASES) {
                    int b = c[0], s = c[1], h = c[2], hd = c[3], w = h * hd, rows = b * s;
                    float[] qkv = random(rnd, rows * 3 * w);
                    for (int i = 0; i < qkv.length; i++) qkv[i] *= 3f; // peaked softmax, exercises the running max
                    Tensor fused = strided(be, qkv, rows, 3 * w, 1, 2);
                    Tensor q = fused.colRange(0, w), k = fused.colRange(w, w), v = fused.colRange(2 * w, w);
                    Tensor out = strided(be, new float[rows * w], rows, w, 3, 1);
                    float scale = (float) (1 / Math.sqrt(hd));
                    be.attention(q, k, v, b, s, h, scale, out);
                    assertClose(expected(qkv, b, s, h, hd, scale), download(be, out), 2e-5, 2e-4,
                            be.name() + " attention " + Arrays.toString(c));
                }
            }
        }
    }

    private static double[] expected(float[] qkv, int b, int s, int h, int hd, double scale) {
        int w = h * hd, ld = 3 * w;
        double[] out = new double[b * s * w];
        double[] p = new double[s];
        for (int bi = 0; bi < b; bi++) {
            for (int hi = 0; hi < h; hi++) {
                for (int i = 0; i < s; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < s; j++) {
                        double dot = 0;
                        for (int d = 0; d < hd; d++) {
                            dot += (double) qkv[(bi * s + i) * ld + hi * hd + d] * qkv[(bi * s + j) * ld + w + hi * hd + d];
                        }
                        p[j] = dot * scale;
                        max = Math.max(max, p[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < s; j++) sum += p[j] = Math.exp(p[j] - max);
                    for (int d = 0; d < hd; d++) {
                        double acc = 0;
                        for (int j = 0; j < s; j++) acc += p[j] * qkv[(bi * s + j) * ld + 2 * w + hi * hd + d];
                        out[(bi * s + i) * w + hi * hd + d] = acc / sum;
                    }
                }
            }
        }
        return out;
    }
}
