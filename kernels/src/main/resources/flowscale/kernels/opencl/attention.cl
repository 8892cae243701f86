/*
 * Softmax attention without the score matrix (online softmax, as in FlashAttention).
 * A work-group of ATT_BQ work-items serves ATT_BQ consecutive queries of one (batch item, head);
 * each work-item keeps its query row and output accumulator in registers. Keys and values are
 * staged ATT_BK rows at a time in local memory and shared by the whole group; per tile the
 * running maximum m and normaliser l are rescaled so that exp never overflows.
 * Global range (ceil(seq / ATT_BQ) * ATT_BQ, batch * heads), local range (ATT_BQ, 1).
 */
#define ATT_BQ 32
#define ATT_BK 16
#define ATT_MAX_HD 128

KERNEL void attention(int seq, int heads, int hd, float scale,
                      GLOBAL const float* q, idx_t qOff, idx_t ldq,
                      GLOBAL const float* k, idx_t kOff, idx_t ldk,
                      GLOBAL const float* v, idx_t vOff, idx_t ldv,
                      GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    LOCAL_DECL float Ks[ATT_BK][ATT_MAX_HD];
    LOCAL_DECL float Vs[ATT_BK][ATT_MAX_HD];
    const int lid = LOCAL_ID(0);
    const int qi = (int) GROUP_ID(0) * ATT_BQ + lid;
    const idx_t bh = GLOBAL_ID(1);
    const idx_t b = bh / heads;
    const int h = (int) (bh % heads);
    const idx_t rowBase = b * seq;
    const int col0 = h * hd;
    const int active = qi < seq;

    float qr[ATT_MAX_HD];
    float acc[ATT_MAX_HD];
    for (int e = 0; e < hd; e++) {
        qr[e] = active ? q[qOff + (rowBase + qi) * ldq + col0 + e] * scale : 0.0f;
        acc[e] = 0.0f;
    }
    float m = NEG_INF;
    float l = 0.0f;

    for (int k0 = 0; k0 < seq; k0 += ATT_BK) {
        const int nk = min(ATT_BK, seq - k0);
        for (int e = lid; e < nk * hd; e += ATT_BQ) {
            const int kr = e / hd, kc = e % hd;
            const idx_t row = rowBase + k0 + kr;
            Ks[kr][kc] = k[kOff + row * ldk + col0 + kc];
            Vs[kr][kc] = v[vOff + row * ldv + col0 + kc];
        }
        LOCAL_BARRIER;
        float s[ATT_BK];
        float tileMax = NEG_INF;
        for (int j = 0; j < nk; j++) {
            float dot = 0.0f;
            for (int e = 0; e < hd; e++) dot += qr[e] * Ks[j][e];
            s[j] = dot;
            tileMax = FMAX(tileMax, dot);
        }
        const float mNew = FMAX(m, tileMax);
        const float correction = EXP(m - mNew);   /* exp(-inf) = 0 on the first tile */
        l *= correction;
        for (int e = 0; e < hd; e++) acc[e] *= correction;
        for (int j = 0; j < nk; j++) {
            const float p = EXP(s[j] - mNew);
            l += p;
            for (int e = 0; e < hd; e++) acc[e] += p * Vs[j][e];
        }
        m = mNew;
        LOCAL_BARRIER;
    }
    if (active) {
        const float inv = 1.0f / l;
        for (int e = 0; e < hd; e++) out[oOff + (rowBase + qi) * ldo + col0 + e] = acc[e] * inv;
    }
}

/*
 * Heads wider than ATT_MAX_HD (the VAE's mid-block attention: one head of 512): one work-item per (query, batch
 * item x head), nothing staged in local memory, the query read from memory where the caches keep it and the output
 * accumulated in a private row of up to ATT_WIDE_MAX_HD floats (slow on a GPU, where it spills, but one such
 * attention per decode). Online softmax as above, one key at a time.
 * Global range (seq, batch * heads).
 */
#define ATT_WIDE_MAX_HD 1024

KERNEL void attention_wide(int seq, int heads, int hd, float scale,
                           GLOBAL const float* q, idx_t qOff, idx_t ldq,
                           GLOBAL const float* k, idx_t kOff, idx_t ldk,
                           GLOBAL const float* v, idx_t vOff, idx_t ldv,
                           GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const int qi = (int) GLOBAL_ID(0);
    const idx_t bh = GLOBAL_ID(1);
    if (qi >= seq) return;
    const idx_t b = bh / heads;
    const int col0 = (int) (bh % heads) * hd;
    const idx_t rowBase = b * seq;
    GLOBAL const float* qr = q + qOff + (rowBase + qi) * ldq + col0;
    float acc[ATT_WIDE_MAX_HD];
    for (int e = 0; e < hd; e++) acc[e] = 0.0f;
    float m = NEG_INF;
    float l = 0.0f;
    for (int j = 0; j < seq; j++) {
        GLOBAL const float* kr = k + kOff + (rowBase + j) * ldk + col0;
        GLOBAL const float* vr = v + vOff + (rowBase + j) * ldv + col0;
        float dot = 0.0f;
        for (int e = 0; e < hd; e++) dot += (qr[e] * scale) * kr[e];
        if (dot > m) {
            const float correction = EXP(m - dot);   /* exp(-inf) = 0 for the first key */
            l *= correction;
            for (int e = 0; e < hd; e++) acc[e] *= correction;
            m = dot;
        }
        const float p = EXP(dot - m);
        l += p;
        for (int e = 0; e < hd; e++) acc[e] += p * vr[e];
    }
    const float inv = 1.0f / l;
    GLOBAL float* o = out + oOff + (rowBase + qi) * ldo + col0;
    for (int e = 0; e < hd; e++) o[e] = acc[e] * inv;
}

#if HAS_VECTOR_TYPES
#define ATT_ROW_TILE 16
/*
 * The CPU variant: one work-item per (query, batch item x head), no local memory and no barriers
 * (which a CPU driver emulates by saving every work-item's registers at each barrier). Keys are read
 * straight from memory, where the caches keep them; the head dimension is walked in float8 steps,
 * so hd must be a multiple of 8 (the host picks the tiled kernel otherwise). Keys go in tiles of
 * ATT_ROW_TILE: scores first, then one rescale of the accumulator per tile.
 * Global range (seq, batch * heads).
 */
KERNEL void attention_rows(int seq, int heads, int hd, float scale,
                           GLOBAL const float* q, idx_t qOff, idx_t ldq,
                           GLOBAL const float* k, idx_t kOff, idx_t ldk,
                           GLOBAL const float* v, idx_t vOff, idx_t ldv,
                           GLOBAL float* out, idx_t oOff, idx_t ldo)
{
    const int qi = (int) GLOBAL_ID(0);
    const idx_t bh = GLOBAL_ID(1);
    if (qi >= seq) return;
    const idx_t b = bh / heads;
    const int col0 = (int) (bh % heads) * hd;
    const idx_t rowBase = b * seq;
    const int nv = hd / 8;
    GLOBAL const float* qr = q + qOff + (rowBase + qi) * ldq + col0;
    float8 qv[ATT_MAX_HD / 8];
    float8 acc[ATT_MAX_HD / 8];
    for (int e = 0; e < nv; e++) {
        qv[e] = vload8(e, qr) * scale;
        acc[e] = (float8) (0.0f);
    }
    float m = NEG_INF;
    float l = 0.0f;
    for (int j0 = 0; j0 < seq; j0 += ATT_ROW_TILE) {
        /* Scores of a tile of keys first, so the running maximum is rescaled once per tile. */
        const int nk = min(ATT_ROW_TILE, seq - j0);
        float s[ATT_ROW_TILE];
        float tileMax = NEG_INF;
        for (int j = 0; j < nk; j++) {
            GLOBAL const float* kr = k + kOff + (rowBase + j0 + j) * ldk + col0;
            float8 d8 = (float8) (0.0f);
            for (int e = 0; e < nv; e++) d8 = fma(qv[e], vload8(e, kr), d8);
            const float4 d4 = d8.lo + d8.hi;
            s[j] = (d4.x + d4.y) + (d4.z + d4.w);
            tileMax = fmax(tileMax, s[j]);
        }
        if (tileMax > m) {
            const float correction = EXP(m - tileMax);
            l *= correction;
            for (int e = 0; e < nv; e++) acc[e] *= correction;
            m = tileMax;
        }
        for (int j = 0; j < nk; j++) {
            const float p = EXP(s[j] - m);
            l += p;
            GLOBAL const float* vr = v + vOff + (rowBase + j0 + j) * ldv + col0;
            for (int e = 0; e < nv; e++) acc[e] = fma((float8) (p), vload8(e, vr), acc[e]);
        }
    }
    const float inv = 1.0f / l;
    GLOBAL float* orow = out + oOff + (rowBase + qi) * ldo + col0;
    for (int e = 0; e < nv; e++) vstore8(acc[e] * inv, e, orow);
}
#endif
