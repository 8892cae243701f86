/* Data movement: strided copies and fills (views of rank up to 4), and the patch (un)folding of images. */

/* The offset of element i (row-major over [d0, d1, d2, d3]) in a rank-4 view with strides s0..s3. */
DEVICE_FN idx_t offset4(idx_t i, int d1, int d2, int d3, idx_t s0, idx_t s1, idx_t s2, idx_t s3)
{
    const idx_t i3 = i % d3;
    idx_t rest = i / d3;
    const idx_t i2 = rest % d2;
    rest /= d2;
    const idx_t i1 = rest % d1;
    const idx_t i0 = rest / d1;
    return i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3;
}

/* dst = src for two rank-4 views of equal shape (lower ranks are padded with leading 1s). */
KERNEL void copy_strided(idx_t n, int d1, int d2, int d3,
                         GLOBAL const float* src, idx_t sOff, idx_t s0, idx_t s1, idx_t s2, idx_t s3,
                         GLOBAL float* dst, idx_t dOff, idx_t t0, idx_t t1, idx_t t2, idx_t t3)
{
    const idx_t i = GLOBAL_ID(0);
    if (i >= n) return;
    dst[dOff + offset4(i, d1, d2, d3, t0, t1, t2, t3)] = src[sOff + offset4(i, d1, d2, d3, s0, s1, s2, s3)];
}

/* dst = value over a rank-4 view (any strides). */
KERNEL void fill_strided(idx_t n, int d1, int d2, int d3,
                         GLOBAL float* dst, idx_t dOff, idx_t t0, idx_t t1, idx_t t2, idx_t t3, float value)
{
    const idx_t i = GLOBAL_ID(0);
    if (i >= n) return;
    dst[dOff + offset4(i, d1, d2, d3, t0, t1, t2, t3)] = value;
}

/*
 * img[B, C, H, W] <-> tokens[B * gh * gw, C * p * p], token (gy, gx) row-major, features (c, py, px).
 * Global range (C * p * p, B * gh * gw); toTokens selects the direction.
 */
KERNEL void patch_fold(idx_t tokens, int channels, int height, int width, int patch, int toTokens,
                       GLOBAL float* img, idx_t iOff,
                       GLOBAL float* tok, idx_t tOff, idx_t ldt)
{
    const int feats = channels * patch * patch;
    const int gh = height / patch, gw = width / patch;
    const idx_t f = GLOBAL_ID(0), token = GLOBAL_ID(1);
    if (f >= feats || token >= tokens) return;
    const idx_t b = token / (gh * gw);
    const int cell = (int) (token % (gh * gw));
    const int gy = cell / gw, gx = cell % gw;
    const int c = (int) f / (patch * patch);
    const int py = ((int) f / patch) % patch, px = (int) f % patch;
    const idx_t ii = iOff + ((b * channels + c) * height + gy * patch + py) * (idx_t) width + gx * patch + px;
    const idx_t ti = tOff + token * ldt + f;
    if (toTokens) tok[ti] = img[ii]; else img[ii] = tok[ti];
}

/* out[i, :] = src[rows[i], :] for i < outRows (global range (cols, outRows)); rows are ints in a float buffer's bytes. */
KERNEL void gather_rows(int outRows, int cols, GLOBAL const int* rows,
                        GLOBAL const float* src, idx_t srcOff, idx_t lds,
                        GLOBAL float* out, idx_t outOff, idx_t ldo)
{
    const idx_t c = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (c >= cols || r >= outRows) return;
    out[outOff + r * ldo + c] = src[srcOff + (idx_t) rows[r] * lds + c];
}
