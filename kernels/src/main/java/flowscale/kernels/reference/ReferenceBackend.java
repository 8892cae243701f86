package flowscale.kernels.reference;

import flowscale.kernels.WeightType;
import flowscale.kernels.ConvWeight;
import flowscale.kernels.HostConvWeight;
import flowscale.kernels.NoiseScheme;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;

import java.lang.foreign.MemorySegment;


import static flowscale.kernels.reference.ArgumentChecks.itemCount;
import static flowscale.kernels.reference.ArgumentChecks.requireNoOverlap;
import static flowscale.kernels.reference.ArgumentChecks.requireSameSize;
import static flowscale.kernels.reference.ArgumentChecks.requireShape;
import static flowscale.kernels.reference.ArgumentChecks.shape;

/**
 * The oracle: every {@link flowscale.kernels.Backend} op in plain scalar Java, one thread, written to be
 * obviously right rather than fast. Sums, dot products, softmax and norms accumulate in double and each
 * result is rounded to float once, so the reference is at least as accurate as any float32 backend it
 * judges. Arguments are validated eagerly; shape errors name the shapes involved.
 */
public final class ReferenceBackend extends ReferenceBackward {
    /** Floats generated per {@link NoiseScheme#fill} call when filling a view with normals. */
    private static final int NORMAL_CHUNK = 4096;

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public int threads() {
        return 1;
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public PackedWeight pack(Tensor w) {
        matrix(w, "pack w");
        return new ReferencePackedWeight(w);
    }

    @Override
    public PackedWeight packHalf(MemorySegment data, WeightType format, int outFeatures, int inFeatures) {
        WeightType.checkHalfWeight(data, format, outFeatures, inFeatures);
        return new ReferenceHalfWeight(data, format, outFeatures, inFeatures);
    }

    @Override
    public void linear(Tensor x, PackedWeight w, Tensor bias, Tensor out) {
        if (w == null) throw new IllegalArgumentException("linear: weight is null");
        if (w instanceof ReferenceHalfWeight h) {
            linearHalf(x, h, bias, out);
            return;
        }
        Tensor ws = w.source();
        HostView xv = matrix(x, "linear x");
        HostView wv = matrix(ws, "linear weight");
        HostView ov = matrix(out, "linear out");
        int m = x.rows(), k = x.cols(), n = ws.rows();
        if (ws.cols() != k) {
            throw new IllegalArgumentException("linear: x " + shape(x) + " has " + k + " columns but weight "
                    + shape(ws) + " has " + ws.cols() + " inputs");
        }
        requireShape(out, "linear out", m, n);
        HostView bv = null;
        if (bias != null) {
            bv = view(bias, "linear bias");
            if (bias.size() != n) {
                throw new IllegalArgumentException("linear: bias " + shape(bias) + " does not have the weight's "
                        + n + " outputs (weight " + shape(ws) + ")");
            }
        }
        requireNoOverlap(out, x, "linear", "out", "x");
        for (int r = 0; r < m; r++) {
            for (int j = 0; j < n; j++) {
                double acc = bv == null ? 0.0 : bv.get(j);
                for (int kk = 0; kk < k; kk++) {
                    acc += (double) xv.get(r, kk) * wv.get(j, kk);
                }
                ov.set(r, j, (float) acc);
            }
        }
    }

    /** {@link #linear} over a narrow (16- or 8-bit) weight: each weight widened exactly, the sum in double as for float32 weights. */
    private void linearHalf(Tensor x, ReferenceHalfWeight w, Tensor bias, Tensor out) {
        HostView xv = matrix(x, "linear x");
        HostView ov = matrix(out, "linear out");
        int m = x.rows(), k = x.cols(), n = w.outFeatures();
        if (w.inFeatures() != k) {
            throw new IllegalArgumentException("linear: x " + shape(x) + " has " + k + " columns but the " + w.format()
                    + " weight has " + w.inFeatures() + " inputs");
        }
        requireShape(out, "linear out", m, n);
        HostView bv = null;
        if (bias != null) {
            bv = view(bias, "linear bias");
            if (bias.size() != n) throw new IllegalArgumentException("linear: bias " + shape(bias) + " does not have " + n + " outputs");
        }
        requireNoOverlap(out, x, "linear", "out", "x");
        for (int r = 0; r < m; r++) {
            for (int j = 0; j < n; j++) {
                double acc = bv == null ? 0.0 : bv.get(j);
                for (int kk = 0; kk < k; kk++) acc += (double) xv.get(r, kk) * w.get(j, kk);
                ov.set(r, j, (float) acc);
            }
        }
    }

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        HostView av = matrix(a, "gemm a");
        HostView bv = matrix(b, "gemm b");
        HostView cv = matrix(c, "gemm c");
        int m = transA ? a.cols() : a.rows();
        int k = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (k != kb) {
            throw new IllegalArgumentException("gemm: op(a) of a " + shape(a) + (transA ? "^T" : "") + " and op(b) of b "
                    + shape(b) + (transB ? "^T" : "") + " differ in inner dimension (" + k + " vs " + kb + ")");
        }
        requireShape(c, "gemm c", m, n);
        requireNoOverlap(c, a, "gemm", "c", "a");
        requireNoOverlap(c, b, "gemm", "c", "b");
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0.0;
                for (int p = 0; p < k; p++) {
                    float aip = transA ? av.get(p, i) : av.get(i, p);
                    float bpj = transB ? bv.get(j, p) : bv.get(p, j);
                    acc += (double) aip * bpj;
                }
                double result = (double) alpha * acc;
                if (beta != 0.0f) result += (double) beta * cv.get(i, j);
                cv.set(i, j, (float) result);
            }
        }
    }

    // ---------------------------------------------------------------- normalisation and activations

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out) {
        HostView xv = matrix(x, "layerNorm x");
        HostView ov = matrix(out, "layerNorm out");
        int rows = x.rows(), d = x.cols();
        requireShape(out, "layerNorm out", rows, d);
        HostView gv = optionalVector(gamma, "layerNorm gamma", d, x);
        HostView bv = optionalVector(beta, "layerNorm beta", d, x);
        for (int r = 0; r < rows; r++) {
            double sum = 0.0;
            for (int j = 0; j < d; j++) sum += xv.get(r, j);
            double mean = sum / d;
            double squares = 0.0;
            for (int j = 0; j < d; j++) {
                double dev = xv.get(r, j) - mean;
                squares += dev * dev;
            }
            double inv = 1.0 / Math.sqrt(squares / d + eps);
            for (int j = 0; j < d; j++) {
                double y = (xv.get(r, j) - mean) * inv;
                if (gv != null) y *= gv.get(j);
                if (bv != null) y += bv.get(j);
                ov.set(r, j, (float) y);
            }
        }
    }

    @Override
    public void rmsNorm(Tensor x, Tensor gamma, float eps, Tensor out) {
        HostView xv = matrix(x, "rmsNorm x");
        HostView ov = matrix(out, "rmsNorm out");
        int rows = x.rows(), d = x.cols();
        requireShape(out, "rmsNorm out", rows, d);
        HostView gv = optionalVector(gamma, "rmsNorm gamma", d, x);
        for (int r = 0; r < rows; r++) {
            double squares = 0.0;
            for (int j = 0; j < d; j++) {
                double v = xv.get(r, j);
                squares += v * v;
            }
            double inv = 1.0 / Math.sqrt(squares / d + eps);
            for (int j = 0; j < d; j++) {
                double y = xv.get(r, j) * inv;
                if (gv != null) y *= gv.get(j);
                ov.set(r, j, (float) y);
            }
        }
    }

    /** sqrt(2 / pi), the constant of the tanh form of GELU. */
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);

    @Override
    public void gelu(Tensor x, Tensor out) {
        HostView xv = view(x, "gelu x");
        HostView ov = view(out, "gelu out");
        requireSameSize("gelu", x, out);
        for (long i = 0; i < xv.size(); i++) {
            double v = xv.get(i);
            ov.set(i, (float) (0.5 * v * (1.0 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)))));
        }
    }

    @Override
    public void silu(Tensor x, Tensor out) {
        HostView xv = view(x, "silu x");
        HostView ov = view(out, "silu out");
        requireSameSize("silu", x, out);
        for (long i = 0; i < xv.size(); i++) {
            double v = xv.get(i);
            ov.set(i, (float) (v / (1.0 + Math.exp(-v))));
        }
    }

    // ---------------------------------------------------------------- adaLN

    @Override
    public void modulate(Tensor x, Tensor shift, Tensor scale, int tokensPerItem, Tensor out) {
        HostView xv = matrix(x, "modulate x");
        HostView shv = matrix(shift, "modulate shift");
        HostView scv = matrix(scale, "modulate scale");
        HostView ov = matrix(out, "modulate out");
        int items = itemCount("modulate", x, tokensPerItem);
        int d = x.cols();
        requireShape(shift, "modulate shift", items, d);
        requireShape(scale, "modulate scale", items, d);
        requireShape(out, "modulate out", x.rows(), d);
        for (int r = 0; r < x.rows(); r++) {
            int b = r / tokensPerItem;
            for (int j = 0; j < d; j++) {
                double y = (double) xv.get(r, j) * (1.0 + scv.get(b, j)) + shv.get(b, j);
                ov.set(r, j, (float) y);
            }
        }
    }

    @Override
    public void gatedAdd(Tensor residual, Tensor y, Tensor gate, int tokensPerItem) {
        HostView rv = matrix(residual, "gatedAdd residual");
        HostView yv = matrix(y, "gatedAdd y");
        HostView gv = matrix(gate, "gatedAdd gate");
        int items = itemCount("gatedAdd", residual, tokensPerItem);
        int d = residual.cols();
        requireShape(y, "gatedAdd y", residual.rows(), d);
        requireShape(gate, "gatedAdd gate", items, d);
        for (int r = 0; r < residual.rows(); r++) {
            int b = r / tokensPerItem;
            for (int j = 0; j < d; j++) {
                rv.set(r, j, (float) (rv.get(r, j) + (double) gv.get(b, j) * yv.get(r, j)));
            }
        }
    }

    @Override
    public void addBroadcastRows(Tensor x, Tensor y, Tensor out) {
        HostView xv = matrix(x, "addBroadcastRows x");
        HostView yv = matrix(y, "addBroadcastRows y");
        HostView ov = matrix(out, "addBroadcastRows out");
        int rows = x.rows(), d = x.cols(), period = y.rows();
        if (y.cols() != d) {
            throw new IllegalArgumentException("addBroadcastRows: x " + shape(x) + " and y " + shape(y)
                    + " differ in columns");
        }
        if (period == 0 && rows > 0) {
            throw new IllegalArgumentException("addBroadcastRows: y " + shape(y) + " has no rows to broadcast");
        }
        requireShape(out, "addBroadcastRows out", rows, d);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < d; j++) {
                ov.set(r, j, (float) ((double) xv.get(r, j) + yv.get(r % period, j)));
            }
        }
    }

    // ---------------------------------------------------------------- attention

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor out) {
        maskedAttention("attention", q, k, v, batch, seq, heads, scale, null, false, out);
    }

    // ---------------------------------------------------------------- text encoders (CLIP, T5)

    /** 1.702, the sigmoid slope with which {@code x * sigmoid(1.702 x)} approximates GELU (CLIP's quick_gelu). */
    private static final double QUICK_GELU_SLOPE = 1.702;

    @Override
    public void quickGelu(Tensor x, Tensor out) {
        HostView xv = view(x, "quickGelu x");
        HostView ov = view(out, "quickGelu out");
        requireSameSize("quickGelu", x, out);
        for (long i = 0; i < xv.size(); i++) {
            double v = xv.get(i);
            ov.set(i, (float) (v / (1.0 + Math.exp(-QUICK_GELU_SLOPE * v))));
        }
    }

    @Override
    public void multiply(Tensor x, Tensor y, Tensor out) {
        HostView xv = view(x, "multiply x");
        HostView yv = view(y, "multiply y");
        HostView ov = view(out, "multiply out");
        requireSameSize("multiply", x, y);
        requireSameSize("multiply", x, out);
        for (long i = 0; i < xv.size(); i++) ov.set(i, (float) ((double) xv.get(i) * yv.get(i)));
    }

    @Override
    public void causalAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor out) {
        maskedAttention("causalAttention", q, k, v, batch, seq, heads, scale, null, true, out);
    }

    @Override
    public void biasedAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor bias,
                                Tensor out) {
        if (bias == null) throw new IllegalArgumentException("biasedAttention: bias is null");
        maskedAttention("biasedAttention", q, k, v, batch, seq, heads, scale, bias, false, out);
    }

    /**
     * Attention whose score of query i against key j gets {@code bias[h*seq + i, j]} added (when bias is
     * given) and whose keys j > i are left out (when causal): the plain definition, one row of scores at a time.
     */
    private void maskedAttention(String op, Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale,
                                 Tensor bias, boolean causal, Tensor out) {
        HostView qv = matrix(q, op + " q");
        HostView kv = matrix(k, op + " k");
        HostView vv = matrix(v, op + " v");
        HostView ov = matrix(out, op + " out");
        if (batch < 0 || seq < 0 || heads <= 0) {
            throw new IllegalArgumentException(op + ": batch " + batch + ", seq " + seq + ", heads " + heads
                    + " must be non-negative with at least one head");
        }
        int rows = Math.multiplyExact(batch, seq);
        int width = q.cols();
        if (width % heads != 0) {
            throw new IllegalArgumentException(op + ": q " + shape(q) + " has " + width
                    + " columns, not a multiple of " + heads + " heads");
        }
        requireShape(q, op + " q", rows, width);
        requireShape(k, op + " k", rows, width);
        requireShape(v, op + " v", rows, width);
        requireShape(out, op + " out", rows, width);
        HostView bv = null;
        if (bias != null) {
            bv = matrix(bias, op + " bias");
            requireShape(bias, op + " bias", Math.multiplyExact(heads, seq), seq);
            requireNoOverlap(out, bias, op, "out", "bias");
        }
        requireNoOverlap(out, q, op, "out", "q");
        requireNoOverlap(out, k, op, "out", "k");
        requireNoOverlap(out, v, op, "out", "v");
        int hd = width / heads;
        double[] scores = new double[seq];
        for (int b = 0; b < batch; b++) {
            int base = b * seq;
            for (int h = 0; h < heads; h++) {
                int col = h * hd;
                for (int i = 0; i < seq; i++) {
                    // Scores of query i against its keys, then a softmax shifted by the row maximum so the
                    // exponentials cannot overflow however large the scores are.
                    int keys = causal ? i + 1 : seq;
                    double maxScore = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < keys; j++) {
                        double dot = 0.0;
                        for (int c = 0; c < hd; c++) {
                            dot += (double) qv.get(base + i, col + c) * kv.get(base + j, col + c);
                        }
                        scores[j] = bv == null ? dot * scale : dot * scale + bv.get(h * seq + i, j);
                        maxScore = Math.max(maxScore, scores[j]);
                    }
                    double total = 0.0;
                    for (int j = 0; j < keys; j++) {
                        scores[j] = Math.exp(scores[j] - maxScore);
                        total += scores[j];
                    }
                    for (int c = 0; c < hd; c++) {
                        double acc = 0.0;
                        for (int j = 0; j < keys; j++) acc += scores[j] * vv.get(base + j, col + c);
                        ov.set(base + i, col + c, (float) (acc / total));
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- image convolutions

    @Override
    public ConvWeight packConv(MemorySegment data, WeightType type, int outChannels, int inChannels,
                               int kernelHeight, int kernelWidth) {
        return new HostConvWeight(data, type, outChannels, inChannels, kernelHeight, kernelWidth);
    }

    @Override
    public void conv2d(Tensor x, ConvWeight w, Tensor bias, Tensor out) {
        if (!(w instanceof HostConvWeight hw)) throw new IllegalArgumentException("conv2d: weight " + w + " was not packed by a host backend");
        int cin = w.inChannels(), cout = w.outChannels(), kh = w.kernelHeight(), kw = w.kernelWidth();
        long[] xs = image(x, "conv2d x");
        long[] os = image(out, "conv2d out");
        if (xs[1] != cin || os[0] != xs[0] || os[1] != cout || os[2] != xs[2] || os[3] != xs[3]) {
            throw new IllegalArgumentException("conv2d: x " + shape(x) + " and out " + shape(out) + " do not fit a weight ["
                    + cout + ", " + cin + ", " + kh + ", " + kw + "]");
        }
        HostView bv = null;
        if (bias != null) {
            bv = view(bias, "conv2d bias");
            if (bias.size() != cout) throw new IllegalArgumentException("conv2d: bias " + shape(bias) + " is not " + cout + " floats");
        }
        requireNoOverlap(out, x, "conv2d", "out", "x");
        HostView xv = view(x, "conv2d x");
        HostView ov = view(out, "conv2d out");
        int batch = (int) xs[0], h = (int) xs[2], wd = (int) xs[3], ph = kh / 2, pw = kw / 2;
        for (int b = 0; b < batch; b++) {
            for (int o = 0; o < cout; o++) {
                for (int y = 0; y < h; y++) {
                    for (int xx = 0; xx < wd; xx++) {
                        double acc = bv == null ? 0.0 : bv.get(o);
                        for (int i = 0; i < cin; i++) {
                            for (int dy = 0; dy < kh; dy++) {
                                int sy = y + dy - ph;
                                if (sy < 0 || sy >= h) continue;
                                for (int dx = 0; dx < kw; dx++) {
                                    int sx = xx + dx - pw;
                                    if (sx < 0 || sx >= wd) continue;
                                    long wi = (((long) o * cin + i) * kh + dy) * kw + dx;
                                    acc += (double) hw.type().read(hw.data(), wi)
                                            * xv.get((((long) b * cin + i) * h + sy) * wd + sx);
                                }
                            }
                        }
                        ov.set((((long) b * cout + o) * h + y) * wd + xx, (float) acc);
                    }
                }
            }
        }
    }

    @Override
    public void groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, Tensor out) {
        long[] xs = image(x, "groupNorm x");
        long[] os = image(out, "groupNorm out");
        if (!java.util.Arrays.equals(xs, os)) {
            throw new IllegalArgumentException("groupNorm: x " + shape(x) + " and out " + shape(out) + " differ");
        }
        int channels = (int) xs[1];
        if (groups < 1 || channels % groups != 0) {
            throw new IllegalArgumentException("groupNorm: " + channels + " channels do not split into " + groups + " groups");
        }
        if ((gamma == null) != (beta == null)) throw new IllegalArgumentException("groupNorm takes both gamma and beta or neither");
        HostView gv = gamma == null ? null : optionalVector(gamma, "groupNorm gamma", channels, x);
        HostView bv = beta == null ? null : optionalVector(beta, "groupNorm beta", channels, x);
        HostView xv = view(x, "groupNorm x");
        HostView ov = view(out, "groupNorm out");
        long plane = xs[2] * xs[3];
        int perGroup = channels / groups;
        long n = perGroup * plane;
        for (long b = 0; b < xs[0]; b++) {
            for (int g = 0; g < groups; g++) {
                long first = (b * channels + (long) g * perGroup) * plane;
                double sum = 0.0;
                for (long e = 0; e < n; e++) sum += xv.get(first + e);
                double mean = sum / n;
                double squares = 0.0;
                for (long e = 0; e < n; e++) {
                    double dev = xv.get(first + e) - mean;
                    squares += dev * dev;
                }
                double inv = 1.0 / Math.sqrt(squares / n + eps);
                for (long e = 0; e < n; e++) {
                    int c = g * perGroup + (int) (e / plane);
                    double y = (xv.get(first + e) - mean) * inv;
                    if (gv != null) y = y * gv.get(c) + bv.get(c);
                    ov.set(first + e, (float) y);
                }
            }
        }
    }

    @Override
    public void upsampleNearest2x(Tensor x, Tensor out) {
        long[] xs = image(x, "upsampleNearest2x x");
        long[] os = image(out, "upsampleNearest2x out");
        if (os[0] != xs[0] || os[1] != xs[1] || os[2] != 2 * xs[2] || os[3] != 2 * xs[3]) {
            throw new IllegalArgumentException("upsampleNearest2x: out " + shape(out) + " is not x " + shape(x) + " doubled in H and W");
        }
        HostView xv = view(x, "upsampleNearest2x x");
        HostView ov = view(out, "upsampleNearest2x out");
        long h = xs[2], w = xs[3];
        for (long p = 0; p < xs[0] * xs[1]; p++) {
            for (long y = 0; y < 2 * h; y++) {
                for (long xx = 0; xx < 2 * w; xx++) {
                    ov.set((p * 2 * h + y) * 2 * w + xx, xv.get((p * h + y / 2) * w + xx / 2));
                }
            }
        }
    }

    /** The shape of a contiguous rank-4 NCHW view. */
    private long[] image(Tensor t, String role) {
        view(t, role);
        if (t.rank() != 4 || !t.isContiguous()) {
            throw new IllegalArgumentException(role + " must be a contiguous [B, C, H, W] tensor, got " + t);
        }
        return t.shape();
    }

    // ---------------------------------------------------------------- embeddings and layout

    // ---------------------------------------------------------------- per-head ops

    @Override
    public void headRmsNorm(Tensor x, Tensor gamma, float eps, Tensor out) {
        HostView xv = matrix(x, "headRmsNorm x");
        HostView ov = matrix(out, "headRmsNorm out");
        HostView gv = view(gamma, "headRmsNorm gamma");
        int rows = x.rows(), cols = x.cols();
        int hd = Math.toIntExact(gamma.size());
        requireShape(out, "headRmsNorm out", rows, cols);
        if (hd == 0 || cols % hd != 0) {
            throw new IllegalArgumentException("headRmsNorm: " + cols + " columns of x " + shape(x) + " are not whole heads of gamma's " + hd);
        }
        for (int r = 0; r < rows; r++) {
            for (int h0 = 0; h0 < cols; h0 += hd) {
                double squares = 0.0;
                for (int j = 0; j < hd; j++) {
                    double v = xv.get(r, h0 + j);
                    squares += v * v;
                }
                double inv = 1.0 / Math.sqrt(squares / hd + eps);
                for (int j = 0; j < hd; j++) ov.set(r, h0 + j, (float) (xv.get(r, h0 + j) * inv * gv.get(j)));
            }
        }
    }

    @Override
    public void rope(Tensor x, Tensor table, int seq, Tensor out) {
        HostView xv = matrix(x, "rope x");
        HostView ov = matrix(out, "rope out");
        HostView tv = matrix(table, "rope table");
        int rows = x.rows(), cols = x.cols(), hd = table.cols();
        requireShape(out, "rope out", rows, cols);
        if (seq < 1 || table.rows() != seq || rows % seq != 0) {
            throw new IllegalArgumentException("rope: table " + shape(table) + " must have seq = " + seq
                    + " rows, and x " + shape(x) + " whole items of seq rows");
        }
        if (hd == 0 || hd % 2 != 0 || cols % hd != 0) {
            throw new IllegalArgumentException("rope: table width " + hd + " must be even and divide x's " + cols + " columns");
        }
        for (int r = 0; r < rows; r++) {
            int s = r % seq;
            for (int h0 = 0; h0 < cols; h0 += hd) {
                for (int i = 0; i < hd; i += 2) {
                    double c = tv.get(s, i), sn = tv.get(s, i + 1);
                    double a = xv.get(r, h0 + i), b = xv.get(r, h0 + i + 1);
                    ov.set(r, h0 + i, (float) (c * a - sn * b));
                    ov.set(r, h0 + i + 1, (float) (sn * a + c * b));
                }
            }
        }
    }

    @Override
    public void timestepEmbedding(float[] t, float maxPeriod, Tensor out) {
        if (t == null) throw new IllegalArgumentException("timestepEmbedding: t is null");
        HostView ov = matrix(out, "timestepEmbedding out");
        int dim = out.cols();
        requireShape(out, "timestepEmbedding out", t.length, dim);
        if (!(maxPeriod > 0.0f)) {
            throw new IllegalArgumentException("timestepEmbedding: maxPeriod " + maxPeriod + " must be positive");
        }
        int half = dim / 2;
        double logPeriod = Math.log(maxPeriod);
        for (int b = 0; b < t.length; b++) {
            for (int i = 0; i < half; i++) {
                double freq = Math.exp(-logPeriod * i / half);
                double arg = t[b] * freq;
                ov.set(b, i, (float) Math.cos(arg));
                ov.set(b, half + i, (float) Math.sin(arg));
            }
            if (dim % 2 == 1) ov.set(b, dim - 1, 0.0f);
        }
    }

    @Override
    public void patchify(Tensor img, int channels, int height, int width, int patch, Tensor out) {
        HostView iv = view(img, "patchify img");
        HostView ov = matrix(out, "patchify out");
        int batch = imageBatch("patchify", img, channels, height, width, patch);
        requireShape(out, "patchify out", batch * (height / patch) * (width / patch), channels * patch * patch);
        forEachPatchElement(batch, channels, height, width, patch, (token, feature, pixel) -> ov.set(token, feature, iv.get(pixel)));
    }

    @Override
    public void unpatchify(Tensor tokens, int channels, int height, int width, int patch, Tensor img) {
        HostView tv = matrix(tokens, "unpatchify tokens");
        HostView iv = view(img, "unpatchify img");
        int batch = imageBatch("unpatchify", img, channels, height, width, patch);
        requireShape(tokens, "unpatchify tokens", batch * (height / patch) * (width / patch), channels * patch * patch);
        forEachPatchElement(batch, channels, height, width, patch, (token, feature, pixel) -> iv.set(pixel, tv.get(token, feature)));
    }

    /** One element of the patch layout: row {@code token}, column {@code feature} of the tokens, {@code pixel} of the NCHW image. */
    private interface PatchElement {
        void at(long token, long feature, long pixel);
    }

    /**
     * The one index map of patchify and unpatchify: token {@code (b, gy, gx)} row-major over the patch grid, feature
     * {@code (c, py, px)} row-major within the patch.
     */
    private static void forEachPatchElement(int batch, int channels, int height, int width, int patch, PatchElement visit) {
        int gh = height / patch, gw = width / patch;
        for (int b = 0; b < batch; b++) {
            for (int gy = 0; gy < gh; gy++) {
                for (int gx = 0; gx < gw; gx++) {
                    long token = ((long) b * gh + gy) * gw + gx;
                    for (int c = 0; c < channels; c++) {
                        for (int py = 0; py < patch; py++) {
                            for (int px = 0; px < patch; px++) {
                                long feature = ((long) c * patch + py) * patch + px;
                                visit.at(token, feature, pixel(b, c, gy * patch + py, gx * patch + px, channels, height, width));
                            }
                        }
                    }
                }
            }
        }
    }

    private static long pixel(int b, int c, int y, int x, int channels, int height, int width) {
        return (((long) b * channels + c) * height + y) * width + x;
    }

    private int imageBatch(String op, Tensor img, int channels, int height, int width, int patch) {
        if (channels <= 0 || height <= 0 || width <= 0 || patch <= 0) {
            throw new IllegalArgumentException(op + ": channels " + channels + ", height " + height + ", width "
                    + width + " and patch " + patch + " must be positive");
        }
        if (height % patch != 0 || width % patch != 0) {
            throw new IllegalArgumentException(op + ": image " + height + "x" + width
                    + " is not divisible into " + patch + "x" + patch + " patches");
        }
        if (!img.isContiguous()) {
            throw new IllegalArgumentException(op + ": image " + img + " must be contiguous");
        }
        long perImage = (long) channels * height * width;
        if (img.size() % perImage != 0) {
            throw new IllegalArgumentException(op + ": image " + shape(img) + " is not a whole number of ["
                    + channels + ", " + height + ", " + width + "] images");
        }
        return Math.toIntExact(img.size() / perImage);
    }

    // ---------------------------------------------------------------- element-wise and reductions

    @Override
    public void axpby(float a, Tensor x, float b, Tensor y, Tensor out) {
        HostView xv = view(x, "axpby x");
        HostView yv = view(y, "axpby y");
        HostView ov = view(out, "axpby out");
        requireSameSize("axpby", x, y);
        requireSameSize("axpby", x, out);
        for (long i = 0; i < xv.size(); i++) {
            ov.set(i, (float) ((double) a * xv.get(i) + (double) b * yv.get(i)));
        }
    }

    @Override
    public void sdeUpdate(Tensor x, Tensor f, float dt, float gSqrtDt, Tensor z, Tensor out) {
        HostView xv = view(x, "sdeUpdate x");
        HostView fv = view(f, "sdeUpdate f");
        HostView ov = view(out, "sdeUpdate out");
        requireSameSize("sdeUpdate", x, f);
        requireSameSize("sdeUpdate", x, out);
        HostView zv = null;
        if (z != null) {
            zv = view(z, "sdeUpdate z");
            requireSameSize("sdeUpdate", x, z);
        } else if (gSqrtDt != 0.0f) {
            throw new IllegalArgumentException("sdeUpdate: z is null but the noise scale gSqrtDt is " + gSqrtDt);
        }
        for (long i = 0; i < xv.size(); i++) {
            double y = (double) xv.get(i) - (double) fv.get(i) * dt;
            if (zv != null) y += (double) gSqrtDt * zv.get(i);
            ov.set(i, (float) y);
        }
    }

    @Override
    public void combine(double a, Tensor x, double b, Tensor y, double c, Tensor z, Tensor out) {
        HostView xv = view(x, "combine x");
        HostView ov = view(out, "combine out");
        requireSameSize("combine", x, out);
        HostView yv = null, zv = null;
        if (y != null) {
            yv = view(y, "combine y");
            requireSameSize("combine", x, y);
        }
        if (z != null) {
            zv = view(z, "combine z");
            requireSameSize("combine", x, z);
        }
        for (long i = 0; i < xv.size(); i++) {
            double v = a * xv.get(i);
            if (yv != null) v = v + b * yv.get(i);
            if (zv != null) v = v + c * zv.get(i);
            ov.set(i, (float) v);
        }
    }

    @Override
    public void tweedie(Tensor x, Tensor u, double sigma, double sigmaDot, double d, Tensor out) {
        HostView xv = view(x, "tweedie x");
        HostView uv = view(u, "tweedie u");
        HostView ov = view(out, "tweedie out");
        requireSameSize("tweedie", x, u);
        requireSameSize("tweedie", x, out);
        if (d == 0.0 || !Double.isFinite(d)) {
            throw new IllegalArgumentException("tweedie: denominator d = alphaDot*sigma - sigmaDot*alpha is " + d
                    + "; it must be finite and non-zero");
        }
        for (long i = 0; i < xv.size(); i++) {
            ov.set(i, (float) ((sigma * uv.get(i) - sigmaDot * xv.get(i)) / d));
        }
    }

    @Override
    public double sum(Tensor x) {
        HostView xv = view(x, "sum x");
        double acc = 0.0;
        for (long i = 0; i < xv.size(); i++) acc += xv.get(i);
        return acc;
    }

    @Override
    public double max(Tensor x) {
        HostView xv = view(x, "max x");
        double best = Double.NEGATIVE_INFINITY;
        for (long i = 0; i < xv.size(); i++) {
            float v = xv.get(i);
            if (Float.isNaN(v)) return Double.NaN;
            best = Math.max(best, v);
        }
        return best;
    }

    @Override
    public double norm2(Tensor x) {
        HostView xv = view(x, "norm2 x");
        double squares = 0.0;
        for (long i = 0; i < xv.size(); i++) {
            double v = xv.get(i);
            squares += v * v;
        }
        return Math.sqrt(squares);
    }

    // ---------------------------------------------------------------- randomness

    @Override
    public void normal(long key, int s0, int s1, int s2, Tensor out) {
        normal(NoiseScheme.BOX_MULLER_V1, key, s0, s1, s2, out);
    }

    /** Every scheme through its scalar definition, {@link NoiseScheme#fill}. */
    @Override
    public void normal(NoiseScheme scheme, long key, int s0, int s1, int s2, Tensor out) {
        HostView ov = view(out, "normal out");
        float[] chunk = new float[(int) Math.min(NORMAL_CHUNK, Math.max(1, ov.size()))];
        for (long first = 0; first < ov.size(); first += chunk.length) {
            int n = (int) Math.min(chunk.length, ov.size() - first);
            scheme.fill(key, s0, s1, s2, first, chunk, 0, n);
            for (int i = 0; i < n; i++) ov.set(first + i, chunk[i]);
        }
    }

    // ---------------------------------------------------------------- validation

    private HostView view(Tensor t, String role) {
        return new HostView(segment(t, role), t);
    }

    /** A 2-D view with unit column stride, as every "matrix" argument of the Backend SPI must be. */
    private HostView matrix(Tensor t, String role) {
        HostView v = view(t, role);
        if (t.rank() != 2) {
            throw new IllegalArgumentException(role + " must be 2-D, got shape " + shape(t));
        }
        if (t.stride(1) != 1 && t.dim(1) > 1) {
            throw new IllegalArgumentException(role + " " + t + " must have unit column stride");
        }
        return v;
    }

    /** A length-{@code d} parameter vector (gamma, beta), or null when absent. */
    private HostView optionalVector(Tensor t, String role, int d, Tensor x) {
        if (t == null) return null;
        HostView v = view(t, role);
        if (t.size() != d) {
            throw new IllegalArgumentException(role + " " + shape(t) + " does not match the " + d
                    + " columns of x " + shape(x));
        }
        return v;
    }
}
