/*
 * The ops FLUX.1 adds: the linear layer over 16- and 8-bit weights (widened to float32 as they are read), the
 * per-head QK-RMSNorm and the rotary position embedding. One work-item per output element, pair or head:
 * plain and portable, correctness first (the CPU backend is where FLUX's speed is measured).
 */

/* One 16-bit weight as float32: BF16 is the upper half of a float32; F16 is rebuilt field by field in
 * integer arithmetic (no float16 type, and subnormal halves are scaled as normal floats, so a device that
 * flushes float32 subnormals still widens them exactly). */
DEVICE_FN float half_to_float(unsigned int h, int bf16)
{
    if (bf16) return AS_FLOAT(h << 16);
    const unsigned int sign = (h & 0x8000u) << 16;
    const unsigned int mag = h & 0x7fffu;
    const unsigned int e = mag >> 10;
    float f;
    if (e == 0) {
        f = (float) mag * 5.9604644775390625e-8f;               /* mantissa * 2^-24 */
    } else if (e == 31) {
        f = AS_FLOAT(0x7f800000u | ((mag & 0x3ffu) << 13) | ((mag & 0x3ffu) ? 0x400000u : 0u));
    } else {
        f = AS_FLOAT((mag << 13) + 0x38000000u);                /* exponent rebiased by 127 - 15 */
    }
    return sign ? -f : f;
}

/* One F8_E4M3 weight (PyTorch's float8_e4m3fn: 4 exponent bits with bias 7, 3 mantissa bits, no infinities,
 * S.1111.111 is NaN) as float32, in integer arithmetic like F16 above: normals get their exponent rebiased by
 * 127 - 7, subnormals (m * 2^-9) are scaled as normal floats, so a device that flushes subnormals still widens
 * them exactly. */
DEVICE_FN float f8e4m3_to_float(unsigned int b)
{
    const unsigned int mag = b & 0x7fu;
    float f;
    if (mag == 0x7fu) {
        f = AS_FLOAT(0x7fc00000u);
    } else if (mag < 8u) {
        f = (float) mag * 0.001953125f;                        /* mantissa * 2^-9 */
    } else {
        f = AS_FLOAT((mag << 20) + 0x3c000000u);                /* exponent rebiased by 127 - 7 */
    }
    return (b & 0x80u) ? -f : f;
}

/* Element i of a weight stored as the WeightType with ordinal `type` (0 F32, 1 BF16, 2 F16, 3 F8_E4M3),
 * little-endian, widened to float32. The linear layer and the image convolution read weights through it. */
DEVICE_FN float weight_at(GLOBAL const unsigned char* w, idx_t i, int type)
{
    if (type == 3) return f8e4m3_to_float(w[i]);
    if (type == 0) return ((GLOBAL const float*) w)[i];
    return half_to_float(((GLOBAL const unsigned short*) w)[i], type == 1);
}

/* out[m, n] = sum_k x[m, k] * widen(w[n, k]) + bias[n]; w row-major [N, K] of a narrow WeightType. Grid (N, M). */
KERNEL void linear_half(int m, int n, int k,
                        GLOBAL const float* x, idx_t xOff, idx_t ldx,
                        GLOBAL const unsigned char* w, int type,
                        GLOBAL const float* bias, idx_t bOff, int hasBias,
                        GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t j = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (j >= n || r >= m) return;
    GLOBAL const float* xr = x + xOff + r * ldx;
    const idx_t row = j * (idx_t) k;
    float acc = 0.0f;
    for (int kk = 0; kk < k; kk++) acc += xr[kk] * weight_at(w, row + kk, type);
    if (hasBias) acc += bias[bOff + j];
    out[oOff + r * ldo + j] = acc;
}

/* Each head of hd columns of each row: x / sqrt(mean(x^2) + eps) * gamma. Grid (heads, rows). */
KERNEL void head_rms_norm(int rows, int heads, int hd,
                          GLOBAL const float* x, idx_t xOff, idx_t ldx,
                          GLOBAL const float* gamma, idx_t gOff, float eps,
                          GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t h = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (h >= heads || r >= rows) return;
    GLOBAL const float* xh = x + xOff + r * ldx + h * hd;
    GLOBAL float* oh = out + oOff + r * ldo + h * hd;
    float squares = 0.0f;
    for (int j = 0; j < hd; j++) squares += xh[j] * xh[j];
    const float inv = 1.0f / SQRT(squares / (float) hd + eps);
    for (int j = 0; j < hd; j++) oh[j] = xh[j] * inv * gamma[gOff + j];
}

/* Rotary embedding of interleaved pairs; row r uses table row r mod seq of (cos, sin) pairs. Grid (cols/2, rows). */
KERNEL void rope(int rows, int cols, int hd, int seq,
                 GLOBAL const float* x, idx_t xOff, idx_t ldx,
                 GLOBAL const float* table, idx_t tOff, idx_t ldt,
                 GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t p = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (2 * p >= cols || r >= rows) return;
    const idx_t col = 2 * p;
    GLOBAL const float* t = table + tOff + (r % seq) * ldt + col % hd;
    const float c = t[0], s = t[1];
    const float a = x[xOff + r * ldx + col], b = x[xOff + r * ldx + col + 1];
    out[oOff + r * ldo + col] = c * a - s * b;
    out[oOff + r * ldo + col + 1] = s * a + c * b;
}
