/*
 * Whole-tensor reductions, first stage: each work-group folds a grid-strided share of a
 * rows x cols view into one partial (tree reduction in local memory); the host adds the
 * partials in double. op: 0 sum, 1 sum of squares, 2 max (NaN wins: once seen it sticks).
 */
#define RED_WG 128

DEVICE_FN float red_combine(int op, float acc, float v)
{
    if (op == 2) return (ISNAN(acc) || ISNAN(v) || v > acc) ? (ISNAN(acc) ? acc : v) : acc;
    return acc + v;
}

KERNEL void reduce_partial(int op, int rows, int cols,
                           GLOBAL const float* x, idx_t xOff, idx_t ldx,
                           GLOBAL float* partials)
{
    LOCAL_DECL float red[RED_WG];
    const int lid = LOCAL_ID(0);
    const idx_t n = (idx_t) rows * cols;
    const idx_t stride = NUM_GROUPS(0) * RED_WG;
    float acc = op == 2 ? NEG_INF : 0.0f;
    for (idx_t i = GLOBAL_ID(0); i < n; i += stride) {
        float v = x[xOff + (i / cols) * ldx + i % cols];
        acc = red_combine(op, acc, op == 1 ? v * v : v);
    }
    red[lid] = acc;
    LOCAL_BARRIER;
    for (int s = RED_WG / 2; s > 0; s >>= 1) {
        if (lid < s) red[lid] = red_combine(op, red[lid], red[lid + s]);
        LOCAL_BARRIER;
    }
    if (lid == 0) partials[GROUP_ID(0)] = red[0];
}
