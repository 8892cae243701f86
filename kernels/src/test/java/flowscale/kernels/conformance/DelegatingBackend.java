package flowscale.kernels.conformance;

import flowscale.kernels.Backend;
import flowscale.kernels.WeightType;
import flowscale.kernels.ConvWeight;
import flowscale.kernels.NoiseScheme;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import flowscale.kernels.TransferCounter;

import java.lang.foreign.MemorySegment;


/** A backend that forwards every op to another; tests override single ops to break them on purpose. */
class DelegatingBackend implements Backend {
    protected final Backend inner;

    DelegatingBackend(Backend inner) {
        this.inner = inner;
    }

    @Override public String name() { return "delegating(" + inner.name() + ")"; }
    @Override public int threads() { return inner.threads(); }
    @Override public Tensor allocate(long... shape) { return inner.allocate(shape); }
    @Override public Tensor upload(float[] data, long... shape) { return inner.upload(data, shape); }
    @Override public void upload(float[] src, int srcOffset, Tensor dst) { inner.upload(src, srcOffset, dst); }
    @Override public void download(Tensor src, float[] dst, int dstOffset) { inner.download(src, dst, dstOffset); }
    @Override public TransferCounter transfers() { return inner.transfers(); }
    @Override public void copy(Tensor src, Tensor dst) { inner.copy(src, dst); }
    @Override public void gatherRows(Tensor src, int[] rows, Tensor out) { inner.gatherRows(src, rows, out); }
    @Override public void fill(Tensor dst, float value) { inner.fill(dst, value); }
    @Override public PackedWeight pack(Tensor w) { return inner.pack(w); }
    @Override public void linear(Tensor x, PackedWeight w, Tensor bias, Tensor out) { inner.linear(x, w, bias, out); }

    @Override
    public PackedWeight packHalf(MemorySegment data, WeightType format, int outFeatures, int inFeatures) {
        return inner.packHalf(data, format, outFeatures, inFeatures);
    }

    @Override public void headRmsNorm(Tensor x, Tensor gamma, float eps, Tensor out) { inner.headRmsNorm(x, gamma, eps, out); }
    @Override public void rope(Tensor x, Tensor table, int seq, Tensor out) { inner.rope(x, table, seq, out); }

    @Override
    public void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        inner.gemm(transA, transB, alpha, a, b, beta, c);
    }

    @Override
    public void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out) {
        inner.layerNorm(x, gamma, beta, eps, out);
    }

    @Override public void rmsNorm(Tensor x, Tensor gamma, float eps, Tensor out) { inner.rmsNorm(x, gamma, eps, out); }
    @Override public void gelu(Tensor x, Tensor out) { inner.gelu(x, out); }
    @Override public void silu(Tensor x, Tensor out) { inner.silu(x, out); }

    @Override
    public ConvWeight packConv(MemorySegment data, WeightType type, int outChannels, int inChannels, int kh, int kw) {
        return inner.packConv(data, type, outChannels, inChannels, kh, kw);
    }

    @Override public void conv2d(Tensor x, ConvWeight w, Tensor bias, Tensor out) { inner.conv2d(x, w, bias, out); }

    @Override
    public void groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, Tensor out) {
        inner.groupNorm(x, groups, gamma, beta, eps, out);
    }

    @Override public void upsampleNearest2x(Tensor x, Tensor out) { inner.upsampleNearest2x(x, out); }

    @Override
    public void modulate(Tensor x, Tensor shift, Tensor scale, int tokensPerItem, Tensor out) {
        inner.modulate(x, shift, scale, tokensPerItem, out);
    }

    @Override
    public void gatedAdd(Tensor residual, Tensor y, Tensor gate, int tokensPerItem) {
        inner.gatedAdd(residual, y, gate, tokensPerItem);
    }

    @Override public void addBroadcastRows(Tensor x, Tensor y, Tensor out) { inner.addBroadcastRows(x, y, out); }

    @Override
    public void attention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor out) {
        inner.attention(q, k, v, batch, seq, heads, scale, out);
    }

    @Override public void quickGelu(Tensor x, Tensor out) { inner.quickGelu(x, out); }
    @Override public void multiply(Tensor x, Tensor y, Tensor out) { inner.multiply(x, y, out); }

    @Override
    public void causalAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor out) {
        inner.causalAttention(q, k, v, batch, seq, heads, scale, out);
    }

    @Override
    public void biasedAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor bias,
                                Tensor out) {
        inner.biasedAttention(q, k, v, batch, seq, heads, scale, bias, out);
    }

    @Override public void timestepEmbedding(float[] t, float maxPeriod, Tensor out) { inner.timestepEmbedding(t, maxPeriod, out); }

    @Override
    public void patchify(Tensor img, int channels, int height, int width, int patch, Tensor out) {
        inner.patchify(img, channels, height, width, patch, out);
    }

    @Override
    public void unpatchify(Tensor tokens, int channels, int height, int width, int patch, Tensor img) {
        inner.unpatchify(tokens, channels, height, width, patch, img);
    }

    @Override public void axpby(float a, Tensor x, float b, Tensor y, Tensor out) { inner.axpby(a, x, b, y, out); }

    @Override
    public void combine(double a, Tensor x, double b, Tensor y, double c, Tensor z, Tensor out) {
        inner.combine(a, x, b, y, c, z, out);
    }

    @Override
    public void sdeUpdate(Tensor x, Tensor f, float dt, float gSqrtDt, Tensor z, Tensor out) {
        inner.sdeUpdate(x, f, dt, gSqrtDt, z, out);
    }

    @Override
    public void tweedie(Tensor x, Tensor u, double sigma, double sigmaDot, double d, Tensor out) {
        inner.tweedie(x, u, sigma, sigmaDot, d, out);
    }

    @Override public double sum(Tensor x) { return inner.sum(x); }
    @Override public double max(Tensor x) { return inner.max(x); }
    @Override public double norm2(Tensor x) { return inner.norm2(x); }
    @Override public void normal(long key, int s0, int s1, int s2, Tensor out) { inner.normal(key, s0, s1, s2, out); }
    @Override public void normal(NoiseScheme scheme, long key, int s0, int s1, int s2, Tensor out) {
        inner.normal(scheme, key, s0, s1, s2, out);
    }
    @Override public void close() { inner.close(); }
}
