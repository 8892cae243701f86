/*
 * Image ops of VAE decoders over contiguous NCHW tensors: convolution with weights kept in their stored
 * element type (widened by flux.cl's weight_at), GroupNorm, nearest 2x upsampling.
 * Plain one-output-per-work-item kernels: correct on every device, not tuned.
 */

/*
 * out[b, o, y, x] = bias[o] + sum w[o, i, dy, dx] x[b, i, y + dy - kh/2, x + dx - kw/2] (zero outside).
 * wts holds float32 values (type 0), bfloat16 (type 1), float16 (type 2) or F8_E4M3 (type 3) bit patterns,
 * little-endian (WeightType's order).
 * Global range (W, B * Cout * H).
 */
KERNEL void conv2d_nchw(int cin, int cout, int h, int w, int kh, int kw, int type, int hasBias,
                        GLOBAL const float* x, idx_t xOff,
                        GLOBAL const unsigned char* wts,
                        GLOBAL const float* bias, idx_t bOff,
                        GLOBAL float* out, idx_t oOff, idx_t rows)
{
    const idx_t xx = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (xx >= w || r >= rows) return;
    const idx_t y = r % h;
    const idx_t o = (r / h) % cout;
    const idx_t b = r / ((idx_t) h * cout);
    const int ph = kh / 2, pw = kw / 2;
    float acc = hasBias ? bias[bOff + o] : 0.0f;
    for (int i = 0; i < cin; i++) {
        for (int dy = 0; dy < kh; dy++) {
            const idx_t sy = y + dy - ph;
            if (sy < 0 || sy >= h) continue;
            for (int dx = 0; dx < kw; dx++) {
                const idx_t sx = xx + dx - pw;
                if (sx < 0 || sx >= w) continue;
                const idx_t wi = ((o * cin + i) * kh + dy) * kw + dx;
                const float wv = weight_at(wts, wi, type);
                acc += wv * x[xOff + ((b * cin + i) * h + sy) * w + sx];
            }
        }
    }
    out[oOff + r * w + xx] = acc;
}

/*
 * Mean and 1/sqrt(var + eps) of each (item, group) run of n floats, into stats[2 * item ..]. One work-item
 * per run, two passes; float sums over blocks of 256 elements, the block sums added with Kahan
 * compensation, so runs of millions of elements keep float32 accuracy. Global range (items).
 */
KERNEL void group_norm_stats(idx_t items, idx_t n, float eps,
                             GLOBAL const float* x, idx_t xOff, GLOBAL float* stats)
{
    const idx_t item = GLOBAL_ID(0);
    if (item >= items) return;
    GLOBAL const float* p = x + xOff + item * n;
    float total = 0.0f, comp = 0.0f;
    for (idx_t b0 = 0; b0 < n; b0 += 256) {
        const idx_t end = b0 + 256 < n ? b0 + 256 : n;
        float block = 0.0f;
        for (idx_t e = b0; e < end; e++) block += p[e];
        const float yv = block - comp, t = total + yv;
        comp = (t - total) - yv;
        total = t;
    }
    const float mean = total / (float) n;
    total = 0.0f;
    comp = 0.0f;
    for (idx_t b0 = 0; b0 < n; b0 += 256) {
        const idx_t end = b0 + 256 < n ? b0 + 256 : n;
        float block = 0.0f;
        for (idx_t e = b0; e < end; e++) {
            const float d = p[e] - mean;
            block += d * d;
        }
        const float yv = block - comp, t = total + yv;
        comp = (t - total) - yv;
        total = t;
    }
    stats[2 * item] = mean;
    stats[2 * item + 1] = RSQRT(total / (float) n + eps);
}

/* out = (x - mean) * inv * gamma[c] + beta[c] per (item, channel) plane. Global range (plane, B * C). */
KERNEL void group_norm_apply(idx_t plane, int channels, int perGroup, int affine,
                             GLOBAL const float* x, idx_t xOff, GLOBAL const float* stats,
                             GLOBAL const float* gamma, idx_t gOff, GLOBAL const float* beta, idx_t bOff,
                             GLOBAL float* out, idx_t oOff, idx_t planes)
{
    const idx_t e = GLOBAL_ID(0), pc = GLOBAL_ID(1);
    if (e >= plane || pc >= planes) return;
    const int c = (int) (pc % channels);
    const idx_t item = (pc / channels) * (channels / perGroup) + c / perGroup;
    float scale = stats[2 * item + 1], shift = 0.0f;
    if (affine) {
        scale *= gamma[gOff + c];
        shift = beta[bOff + c];
    }
    const idx_t i = pc * plane + e;
    out[oOff + i] = (x[xOff + i] - stats[2 * item]) * scale + shift;
}

/* out[p, y, x] = in[p, y / 2, x / 2]. Global range (2W, planes * 2H). */
KERNEL void upsample_nearest2x(int h, int w, idx_t rows,
                               GLOBAL const float* x, idx_t xOff, GLOBAL float* out, idx_t oOff)
{
    const idx_t ox = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (ox >= 2 * w || r >= rows) return;
    const idx_t p = r / (2 * h), oy = r % (2 * h);
    out[oOff + r * 2 * w + ox] = x[xOff + (p * h + oy / 2) * w + ox / 2];
}
