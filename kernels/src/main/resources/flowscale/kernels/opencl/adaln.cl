/*
 * adaLN-Zero pieces over [B*T, d] activations with per-item [B, d] modulation rows:
 * row r belongs to batch item r / T. Global range (d, B*T).
 */

KERNEL void modulate(int rows, int d, int tokensPerItem,
                     GLOBAL const float* x, idx_t xOff, idx_t ldx,
                     GLOBAL const float* shift, idx_t shOff, idx_t ldsh,
                     GLOBAL const float* scale, idx_t scOff, idx_t ldsc,
                     GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t c = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (c >= d || r >= rows) return;
    const idx_t b = r / tokensPerItem;
    const float v = x[xOff + r * ldx + c];
    out[oOff + r * ldo + c] = v * (1.0f + scale[scOff + b * ldsc + c]) + shift[shOff + b * ldsh + c];
}

KERNEL void gated_add(int rows, int d, int tokensPerItem,
                      GLOBAL float* res, idx_t rOff, idx_t ldr,
                      GLOBAL const float* y, idx_t yOff, idx_t ldy,
                      GLOBAL const float* gate, idx_t gOff, idx_t ldg)
{
    const idx_t c = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (c >= d || r >= rows) return;
    const idx_t b = r / tokensPerItem;
    res[rOff + r * ldr + c] += gate[gOff + b * ldg + c] * y[yOff + r * ldy + c];
}

KERNEL void add_broadcast_rows(int rows, int d, int period,
                               GLOBAL const float* x, idx_t xOff, idx_t ldx,
                               GLOBAL const float* y, idx_t yOff, idx_t ldy,
                               GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t c = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (c >= d || r >= rows) return;
    out[oOff + r * ldo + c] = x[xOff + r * ldx + c] + y[yOff + (r % period) * ldy + c];
}
