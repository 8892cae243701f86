/*
 * Sinusoidal timestep embedding: out[b] = [cos(t_b f_0 ..), sin(t_b f_0 ..)] (+ a zero column when
 * dim is odd). The host forms the angles t_b * f_i in double and reduces them into [-pi, pi], so the
 * float cos/sin on the device see small, exact arguments however large t is.
 * angles is [batch, half] contiguous. Global range (dim, batch).
 */
KERNEL void timestep_embedding(int batch, int dim, int halfDim,
                               GLOBAL const float* angles,
                               GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t c = GLOBAL_ID(0), b = GLOBAL_ID(1);
    if (c >= dim || b >= batch) return;
    float v = 0.0f;
    if (c < halfDim) v = COS(angles[b * halfDim + c]);
    else if (c < 2 * halfDim) v = SIN(angles[b * halfDim + c - halfDim]);
    out[oOff + b * ldo + c] = v;
}
