/*
 * The ops the text encoders (CLIP, T5) add: quick GELU and an element-wise product over rows x cols views
 * (global range (cols, rows)), and attention with a causal mask and/or an additive score bias shared by the
 * batch items. The attention kernel is the plain one-work-item-per-query form (online softmax over the keys,
 * no local memory): the encoders run once per prompt, so it is written to be simple rather than fast.
 */

KERNEL void quick_gelu(int rows, int cols,
                       GLOBAL const float* x, idx_t xOff, idx_t ldx,
                       GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t c = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (c >= cols || r >= rows) return;
    const float v = x[xOff + r * ldx + c];
    out[oOff + r * ldo + c] = v / (1.0f + EXP(-1.702f * v));
}

KERNEL void multiply(int rows, int cols,
                     GLOBAL const float* x, idx_t xOff, idx_t ldx,
                     GLOBAL const float* y, idx_t yOff, idx_t ldy,
                     GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const idx_t c = GLOBAL_ID(0), r = GLOBAL_ID(1);
    if (c >= cols || r >= rows) return;
    out[oOff + r * ldo + c] = x[xOff + r * ldx + c] * y[yOff + r * ldy + c];
}

/*
 * score(i, j) = scale * q_i . k_j + (hasBias ? bias[h*seq + i, j] : 0); keys j > i are skipped when causal.
 * Global range (seq, batch * heads).
 */
#define ATT_MASKED_MAX_HD 128
KERNEL void attention_masked(int seq, int heads, int hd, float scale, int causal, int hasBias,
                             GLOBAL const float* q, idx_t qOff, idx_t ldq,
                             GLOBAL const float* k, idx_t kOff, idx_t ldk,
                             GLOBAL const float* v, idx_t vOff, idx_t ldv,
                             GLOBAL const float* bias, idx_t bOff, idx_t ldb,
                             GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const int qi = (int) GLOBAL_ID(0);
    const idx_t bh = GLOBAL_ID(1);
    if (qi >= seq) return;
    const idx_t b = bh / heads;
    const int h = (int) (bh % heads);
    const idx_t rowBase = b * seq;
    const int col0 = h * hd;
    float qr[ATT_MASKED_MAX_HD];
    float acc[ATT_MASKED_MAX_HD];
    for (int e = 0; e < hd; e++) {
        qr[e] = q[qOff + (rowBase + qi) * ldq + col0 + e] * scale;
        acc[e] = 0.0f;
    }
    float m = NEG_INF;
    float l = 0.0f;
    const int keys = causal ? qi + 1 : seq;
    for (int j = 0; j < keys; j++) {
        GLOBAL const float* kr = k + kOff + (rowBase + j) * ldk + col0;
        float s = 0.0f;
        for (int e = 0; e < hd; e++) s += qr[e] * kr[e];
        if (hasBias) s += bias[bOff + ((idx_t) h * seq + qi) * ldb + j];
        const float mNew = FMAX(m, s);
        const float correction = EXP(m - mNew);   /* exp(-inf) = 0 for the first key */
        const float p = EXP(s - mNew);
        l = l * correction + p;
        GLOBAL const float* vr = v + vOff + (rowBase + j) * ldv + col0;
        for (int e = 0; e < hd; e++) acc[e] = acc[e] * correction + p * vr[e];
        m = mNew;
    }
    const float inv = 1.0f / l;
    for (int e = 0; e < hd; e++) out[oOff + (rowBase + qi) * ldo + col0 + e] = acc[e] * inv;
}
