/* Activations over a rows x cols view: global range (cols, rows). */

KERNEL void gelu_tanh(int rows, int cols,
                      GLOBAL const float* x, idx_t xOff, idx_t ldx,
                      GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t c = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (c >= cols || r >= rows) return;
    const float v = x[xOff + r * ldx + c];
    const float k = 0.7978845608028654f;   /* sqrt(2 / pi) */
    out[oOff + r * ldo + c] = 0.5f * v * (1.0f + TANH(k * (v + 0.044715f * v * v * v)));
}

KERNEL void silu(int rows, int cols,
                 GLOBAL const float* x, idx_t xOff, idx_t ldx,
                 GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t c = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (c >= cols || r >= rows) return;
    const float v = x[xOff + r * ldx + c];
    out[oOff + r * ldo + c] = v / (1.0f + EXP(-v));
}
