/*
 * Matrix products. c = alpha * op(a) * op(b) + beta * c (+ bias[n]); every matrix is a view
 * (buffer, element offset, row stride) with unit column stride.
 *
 * gemm_tiled is the GPU kernel: a 16x16 work-group computes a 64x64 tile of c, each work-item a
 * 4x4 register block whose rows and columns are 16 apart (so stores and local reads stay
 * contiguous across the work-group); a and b are staged through local memory 16 k-steps at a time.
 *
 * linear_vec is for CPU devices: the packed weight is W^T [K, Np] (Np a multiple of 16, zero
 * padded), and one work-item computes 8 rows x 16 columns in eight float16 accumulators (one
 * AVX-512 register each, or two AVX ones): per k, one weight vector and eight broadcasts feed
 * eight FMAs. No local memory and no barriers, which a CPU driver would have to emulate.
 */
#define TM 64
#define TN 64
#define TK 16
#define RB 4

KERNEL void gemm_tiled(int M, int N, int K,
                       GLOBAL const float* a, idx_t aOff, idx_t lda, int transA,
                       GLOBAL const float* b, idx_t bOff, idx_t ldb, int transB,
                       float alpha, float beta,
                       GLOBAL float* c, idx_t cOff, idx_t ldc,
                       GLOBAL const float* bias, idx_t biasOff, int hasBias)
{
    LOCAL_DECL float As[TK][TM + 1];
    LOCAL_DECL float Bs[TK][TN + 1];
    const int tx = LOCAL_ID(0);
    const int ty = LOCAL_ID(1);
    const int tid = ty * 16 + tx;
    const int m0 = (int) GROUP_ID(1) * TM;
    const int n0 = (int) GROUP_ID(0) * TN;

    float acc[RB][RB];
    for (int i = 0; i < RB; i++)
        for (int j = 0; j < RB; j++)
            acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += TK) {
        /* 256 work-items stage 64x16 elements of each operand: 4 each. */
        for (int e = tid; e < TM * TK; e += 256) {
            int mm, kk;
            if (transA) { mm = e % TM; kk = e / TM; } else { kk = e % TK; mm = e / TK; }
            int gm = m0 + mm, gk = k0 + kk;
            float v = 0.0f;
            if (gm < M && gk < K)
                v = transA ? a[aOff + (idx_t) gk * lda + gm] : a[aOff + (idx_t) gm * lda + gk];
            As[kk][mm] = v;
        }
        for (int e = tid; e < TN * TK; e += 256) {
            int nn, kk;
            if (transB) { kk = e % TK; nn = e / TK; } else { nn = e % TN; kk = e / TN; }
            int gn = n0 + nn, gk = k0 + kk;
            float v = 0.0f;
            if (gn < N && gk < K)
                v = transB ? b[bOff + (idx_t) gn * ldb + gk] : b[bOff + (idx_t) gk * ldb + gn];
            Bs[kk][nn] = v;
        }
        LOCAL_BARRIER;
        for (int kk = 0; kk < TK; kk++) {
            float ar[RB], br[RB];
            for (int i = 0; i < RB; i++) ar[i] = As[kk][ty + 16 * i];
            for (int j = 0; j < RB; j++) br[j] = Bs[kk][tx + 16 * j];
            for (int i = 0; i < RB; i++)
                for (int j = 0; j < RB; j++)
                    acc[i][j] += ar[i] * br[j];
        }
        LOCAL_BARRIER;
    }

    for (int i = 0; i < RB; i++) {
        int gm = m0 + ty + 16 * i;
        if (gm >= M) continue;
        for (int j = 0; j < RB; j++) {
            int gn = n0 + tx + 16 * j;
            if (gn >= N) continue;
            idx_t ci = cOff + (idx_t) gm * ldc + gn;
            float r = alpha * acc[i][j];
            if (beta != 0.0f) r += beta * c[ci];
            if (hasBias) r += bias[biasOff + gn];
            c[ci] = r;
        }
    }
}

#if HAS_VECTOR_TYPES
#define VROWS 8
KERNEL void linear_vec(int M, int N, int K,
                       GLOBAL const float* x, idx_t xOff, idx_t ldx,
                       GLOBAL const float* wt, int Np,
                       GLOBAL float* out, idx_t oOff, idx_t ldo,
                       GLOBAL const float* bias, idx_t biasOff, int hasBias)
{
    const int n0 = (int) GLOBAL_ID(0) * 16;
    const int r0 = (int) GLOBAL_ID(1) * VROWS;
    if (n0 >= N || r0 >= M) return;
    /* Tail rows re-read the last row (their results are not stored), so the loop has no branches. */
    GLOBAL const float* x0 = x + xOff + (idx_t) min(r0 + 0, M - 1) * ldx;
    GLOBAL const float* x1 = x + xOff + (idx_t) min(r0 + 1, M - 1) * ldx;
    GLOBAL const float* x2 = x + xOff + (idx_t) min(r0 + 2, M - 1) * ldx;
    GLOBAL const float* x3 = x + xOff + (idx_t) min(r0 + 3, M - 1) * ldx;
    GLOBAL const float* x4 = x + xOff + (idx_t) min(r0 + 4, M - 1) * ldx;
    GLOBAL const float* x5 = x + xOff + (idx_t) min(r0 + 5, M - 1) * ldx;
    GLOBAL const float* x6 = x + xOff + (idx_t) min(r0 + 6, M - 1) * ldx;
    GLOBAL const float* x7 = x + xOff + (idx_t) min(r0 + 7, M - 1) * ldx;
    float16 a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f, a4 = 0.0f, a5 = 0.0f, a6 = 0.0f, a7 = 0.0f;
    GLOBAL const float* w = wt + n0;
    for (int k = 0; k < K; k++) {
        const float16 wv = vload16(0, w);
        w += Np;
        a0 = fma((float16) (x0[k]), wv, a0);
        a1 = fma((float16) (x1[k]), wv, a1);
        a2 = fma((float16) (x2[k]), wv, a2);
        a3 = fma((float16) (x3[k]), wv, a3);
        a4 = fma((float16) (x4[k]), wv, a4);
        a5 = fma((float16) (x5[k]), wv, a5);
        a6 = fma((float16) (x6[k]), wv, a6);
        a7 = fma((float16) (x7[k]), wv, a7);
    }
    float16 bv = 0.0f;
    if (hasBias) {
        if (n0 + 16 <= N) bv = vload16(0, bias + biasOff + n0);
        else for (int j = 0; j < N - n0; j++) bv[j] = bias[biasOff + n0 + j];
    }
    const float16 acc[VROWS] = {a0 + bv, a1 + bv, a2 + bv, a3 + bv, a4 + bv, a5 + bv, a6 + bv, a7 + bv};
    for (int i = 0; i < VROWS && r0 + i < M; i++) {
        GLOBAL float* o = out + oOff + (idx_t) (r0 + i) * ldo + n0;
        if (n0 + 16 <= N) vstore16(acc[i], 0, o);
        else for (int j = 0; j < N - n0; j++) o[j] = acc[i][j];
    }
}
#endif
