/*
 * Fused element-wise updates of the samplers. The generic kernels take rows x cols views
 * (global range (cols, rows)); the *_vec4 variants take contiguous ranges of n floats, four per
 * work-item with a scalar tail, and are chosen for CPU devices where explicit vectors map onto SIMD.
 */

KERNEL void axpby(int rows, int cols, float a, float b,
                  GLOBAL const float* x, idx_t xOff, idx_t ldx,
                  GLOBAL const float* y, idx_t yOff, idx_t ldy,
                  GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t c = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (c >= cols || r >= rows) return;
    out[oOff + r * ldo + c] = a * x[xOff + r * ldx + c] + b * y[yOff + r * ldy + c];
}

/*
 * out = a*x + b*y + c*z, the terms present in terms (bit 0: y, bit 1: z). In float: the host backends do this in
 * double to match Java's arithmetic bit for bit, which a device without fp64 cannot; the difference is a few float
 * roundings (conformance tolerance ELEMENTWISE).
 */
KERNEL void combine(int rows, int cols, float a, float b, float c, int terms,
                    GLOBAL const float* x, idx_t xOff, idx_t ldx,
                    GLOBAL const float* y, idx_t yOff, idx_t ldy,
                    GLOBAL const float* z, idx_t zOff, idx_t ldz,
                    GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t col = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (col >= cols || r >= rows) return;
    float v = a * x[xOff + r * ldx + col];
    if (terms & 1) v += b * y[yOff + r * ldy + col];
    if (terms & 2) v += c * z[zOff + r * ldz + col];
    out[oOff + r * ldo + col] = v;
}

/* out = x - f*dt + g*z; z is read only when hasZ (the ODE case passes none). */
KERNEL void sde_update(int rows, int cols, float dt, float g, int hasZ,
                       GLOBAL const float* x, idx_t xOff, idx_t ldx,
                       GLOBAL const float* f, idx_t fOff, idx_t ldf,
                       GLOBAL const float* z, idx_t zOff, idx_t ldz,
                       GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t c = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (c >= cols || r >= rows) return;
    float v = x[xOff + r * ldx + c] - f[fOff + r * ldf + c] * dt;
    if (hasZ) v += g * z[zOff + r * ldz + c];
    out[oOff + r * ldo + c] = v;
}

#if HAS_VECTOR_TYPES
KERNEL void axpby_vec4(idx_t n, float a, float b,
                       GLOBAL const float* x, idx_t xOff,
                       GLOBAL const float* y, idx_t yOff,
                       GLOBAL float* out, idx_t oOff)
{
    const idx_t i = GLOBAL_ID(0) * 4;
    if (i + 4 <= n) {
        vstore4(a * vload4(0, x + xOff + i) + b * vload4(0, y + yOff + i), 0, out + oOff + i);
    } else {
        for (idx_t e = i; e < n; e++) out[oOff + e] = a * x[xOff + e] + b * y[yOff + e];
    }
}

KERNEL void sde_update_vec4(idx_t n, float dt, float g, int hasZ,
                            GLOBAL const float* x, idx_t xOff,
                            GLOBAL const float* f, idx_t fOff,
                            GLOBAL const float* z, idx_t zOff,
                            GLOBAL float* out, idx_t oOff)
{
    const idx_t i = GLOBAL_ID(0) * 4;
    if (i + 4 <= n) {
        float4 v = vload4(0, x + xOff + i) - vload4(0, f + fOff + i) * dt;
        if (hasZ) v += g * vload4(0, z + zOff + i);
        vstore4(v, 0, out + oOff + i);
    } else {
        for (idx_t e = i; e < n; e++) {
            float v = x[xOff + e] - f[fOff + e] * dt;
            if (hasZ) v += g * z[zOff + e];
            out[oOff + e] = v;
        }
    }
}
#endif
