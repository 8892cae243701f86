package flowscale.kernels.training;

/**
 * The DiT's forward ops in plain double precision, written independently of every backend: the functions
 * whose central finite differences judge the backends' analytic gradients. Matrices are row-major arrays.
 */
final class DoubleForward {
    private DoubleForward() {}

    static final double GELU_C = Math.sqrt(2.0 / Math.PI);

    /** {@code y[m, n] = x[m, k] w[n, k]^T + b[n]} ({@code b} may be null). */
    static double[] linear(double[] x, double[] w, double[] b, int m, int k, int n) {
        double[] y = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = b == null ? 0.0 : b[j];
                for (int p = 0; p < k; p++) acc += x[i * k + p] * w[j * k + p];
                y[i * n + j] = acc;
            }
        }
        return y;
    }

    /** LayerNorm ({@code centred}) or RMSNorm of {@code x[rows, d]}; gamma/beta may be null. */
    static double[] norm(boolean centred, double[] x, double[] gamma, double[] beta, double eps, int rows, int d) {
        double[] y = new double[rows * d];
        for (int r = 0; r < rows; r++) {
            double mean = 0.0;
            if (centred) {
                for (int j = 0; j < d; j++) mean += x[r * d + j];
                mean /= d;
            }
            double var = 0.0;
            for (int j = 0; j < d; j++) var += (x[r * d + j] - mean) * (x[r * d + j] - mean);
            var /= d;
            for (int j = 0; j < d; j++) {
                double v = (x[r * d + j] - mean) / Math.sqrt(var + eps);
                if (gamma != null) v *= gamma[j];
                if (beta != null) v += beta[j];
                y[r * d + j] = v;
            }
        }
        return y;
    }

    static double[] gelu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            y[i] = 0.5 * v * (1.0 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)));
        }
        return y;
    }

    static double[] silu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] / (1.0 + Math.exp(-x[i]));
        return y;
    }

    /** {@code x[r, j] * (1 + scale[r / T, j]) + shift[r / T, j]}. */
    static double[] modulate(double[] x, double[] shift, double[] scale, int tokens, int d) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int b = i / d / tokens, j = i % d;
            y[i] = x[i] * (1.0 + scale[b * d + j]) + shift[b * d + j];
        }
        return y;
    }

    /** {@code residual + gate[r / T] * y}. */
    static double[] gatedAdd(double[] residual, double[] y, double[] gate, int tokens, int d) {
        double[] out = new double[residual.length];
        for (int i = 0; i < out.length; i++) {
            int b = i / d / tokens, j = i % d;
            out[i] = residual[i] + gate[b * d + j] * y[i];
        }
        return out;
    }

    /** {@code x[r] + y[r mod P]}. */
    static double[] addBroadcastRows(double[] x, double[] y, int period, int d) {
        double[] out = new double[x.length];
        for (int i = 0; i < out.length; i++) out[i] = x[i] + y[(i / d) % period * d + i % d];
        return out;
    }

    /** Softmax attention per item and head over {@code [B*S, H*hd]} matrices. */
    static double[] attention(double[] q, double[] k, double[] v, int batch, int seq, int heads, int hd, double scale) {
        int width = heads * hd;
        double[] out = new double[batch * seq * width];
        double[] w = new double[seq];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < seq; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < seq; j++) {
                        double s = 0.0;
                        for (int c = 0; c < hd; c++) s += q[(b * seq + i) * width + h * hd + c] * k[(b * seq + j) * width + h * hd + c];
                        w[j] = s * scale;
                        max = Math.max(max, w[j]);
                    }
                    double z = 0.0;
                    for (int j = 0; j < seq; j++) {
                        w[j] = Math.exp(w[j] - max);
                        z += w[j];
                    }
                    for (int c = 0; c < hd; c++) {
                        double acc = 0.0;
                        for (int j = 0; j < seq; j++) acc += w[j] / z * v[(b * seq + j) * width + h * hd + c];
                        out[(b * seq + i) * width + h * hd + c] = acc;
                    }
                }
            }
        }
        return out;
    }

    /** Rows {@code table[ids[i]]} of a {@code [V, d]} table. */
    static double[] embedding(int[] ids, double[] table, int d) {
        double[] out = new double[ids.length * d];
        for (int i = 0; i < ids.length; i++) System.arraycopy(table, ids[i] * d, out, i * d, d);
        return out;
    }

    /** {@code img[B, C, H, W]} to tokens {@code [B*(H/p)*(W/p), C*p*p]}, features ordered (c, py, px). */
    static double[] patchify(double[] img, int batch, int channels, int height, int width, int p) {
        int gh = height / p, gw = width / p, feat = channels * p * p;
        double[] out = new double[img.length];
        for (int b = 0; b < batch; b++)
            for (int gy = 0; gy < gh; gy++)
                for (int gx = 0; gx < gw; gx++)
                    for (int c = 0; c < channels; c++)
                        for (int py = 0; py < p; py++)
                            for (int px = 0; px < p; px++) {
                                int token = (b * gh + gy) * gw + gx;
                                int f = (c * p + py) * p + px;
                                out[token * feat + f] = img[((b * channels + c) * height + gy * p + py) * width + gx * p + px];
                            }
        return out;
    }
}
