/*
 * Row normalisations. One work-group of NORM_WG work-items per row; the row's statistics are
 * tree reductions in local memory. LayerNorm takes two passes (mean, then centred squares) so a
 * large mean does not cancel the variance.
 */
#define NORM_WG 128

DEVICE_FN float norm_block_sum(LOCAL float* red, float v)
{
    const int lid = LOCAL_ID(0);
    red[lid] = v;
    LOCAL_BARRIER;
    for (int s = NORM_WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] += red[lid + s];
        LOCAL_BARRIER;
    }
    float total = red[0];
    LOCAL_BARRIER;                          /* red is reused by the next reduction */
    return total;
}

KERNEL void layer_norm(int d,
                       GLOBAL const float* x, idx_t xOff, idx_t ldx,
                       GLOBAL const float* gamma, idx_t gOff,
                       GLOBAL const float* beta, idx_t bOff, int affine, float eps,
                       GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    LOCAL_DECL float red[NORM_WG];
    const idx_t row = GROUP_ID(0);
    const int lid = LOCAL_ID(0);
    GLOBAL const float* xr = x + xOff + row * ldx;
    GLOBAL float* orow = out + oOff + row * ldo;

    float s = 0.0f;
    for (int j = lid; j < d; j += NORM_WG) s += xr[j];
    const float mean = norm_block_sum(red, s) / (float) d;
    float q = 0.0f;
    for (int j = lid; j < d; j += NORM_WG) { float c = xr[j] - mean; q += c * c; }
    const float inv = RSQRT(norm_block_sum(red, q) / (float) d + eps);
    for (int j = lid; j < d; j += NORM_WG) {
        float y = (xr[j] - mean) * inv;
        if (affine) y = y * gamma[gOff + j] + beta[bOff + j];
        orow[j] = y;
    }
}

KERNEL void rms_norm(int d,
                     GLOBAL const float* x, idx_t xOff, idx_t ldx,
                     GLOBAL const float* gamma, idx_t gOff, int hasGamma, float eps,
                     GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    LOCAL_DECL float red[NORM_WG];
    const idx_t row = GROUP_ID(0);
    const int lid = LOCAL_ID(0);
    GLOBAL const float* xr = x + xOff + row * ldx;
    GLOBAL float* orow = out + oOff + row * ldo;

    float q = 0.0f;
    for (int j = lid; j < d; j += NORM_WG) q += xr[j] * xr[j];
    const float inv = RSQRT(norm_block_sum(red, q) / (float) d + eps);
    for (int j = lid; j < d; j += NORM_WG) {
        float y = xr[j] * inv;
        if (hasGamma) y *= gamma[gOff + j];
        orow[j] = y;
    }
}

#if HAS_VECTOR_TYPES
/*
 * CPU variants: one work-item per row, float8 steps with a scalar tail, no barriers. Same two-pass
 * LayerNorm. Global range (rows).
 */
DEVICE_FN float row_sum(GLOBAL const float* xr, int d, float centre, int squares)
{
    float8 acc = (float8) (0.0f);
    int j = 0;
    for (; j + 8 <= d; j += 8) {
        float8 c = vload8(0, xr + j) - centre;
        acc += squares ? c * c : c;
    }
    float4 a4 = acc.lo + acc.hi;
    float s = (a4.x + a4.y) + (a4.z + a4.w);
    for (; j < d; j++) {
        float c = xr[j] - centre;
        s += squares ? c * c : c;
    }
    return s;
}

KERNEL void layer_norm_rows(int rows, int d,
                            GLOBAL const float* x, idx_t xOff, idx_t ldx,
                            GLOBAL const float* gamma, idx_t gOff,
                            GLOBAL const float* beta, idx_t bOff, int affine, float eps,
                            GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t row = GLOBAL_ID(0);
    if (row >= rows) return;
    GLOBAL const float* xr = x + xOff + row * ldx;
    GLOBAL float* orow = out + oOff + row * ldo;
    const float mean = row_sum(xr, d, 0.0f, 0) / (float) d;
    const float inv = RSQRT(row_sum(xr, d, mean, 1) / (float) d + eps);
    for (int j = 0; j < d; j++) {
        float y = (xr[j] - mean) * inv;
        if (affine) y = y * gamma[gOff + j] + beta[bOff + j];
        orow[j] = y;
    }
}

KERNEL void rms_norm_rows(int rows, int d,
                          GLOBAL const float* x, idx_t xOff, idx_t ldx,
                          GLOBAL const float* gamma, idx_t gOff, int hasGamma, float eps,
                          GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t row = GLOBAL_ID(0);
    if (row >= rows) return;
    GLOBAL const float* xr = x + xOff + row * ldx;
    GLOBAL float* orow = out + oOff + row * ldo;
    const float inv = RSQRT(row_sum(xr, d, 0.0f, 1) / (float) d + eps);
    for (int j = 0; j < d; j++) {
        float y = xr[j] * inv;
        if (hasGamma) y *= gamma[gOff + j];
        orow[j] = y;
    }
}
#endif
