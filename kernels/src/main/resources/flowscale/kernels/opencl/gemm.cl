/*
 * Matrix products. c = alpha * op(a) * op(b) + beta * c (+ bias[n]); every matrix is a view
 * (buffer, element offset, row stride) with unit column stride.
 *
 * gemm_tiled is the GPU kernel: a 16x16 work-group computes a 64x64 tile of c, each work-item a
 * 4x4 register block whose rows and columns are 16 apart (so stores and local reads stay
 * contiguous across the work-group); a and b are staged through local memory 16 k-steps at a time.
 *
 * linear_vec is for CPU devices: the packed weight is W^T [K, Np] (Np a multiple of 16, zero
 * padded), and one work-item computes 4 rows x 16 columns with two float8 accumulators per row,
 * which PoCL maps onto the host's SIMD registers.
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
#define VROWS 4
KERNEL void linear_vec(int M, int N, int K,
                       GLOBAL const float* x, idx_t xOff, idx_t ldx,
                       GLOBAL const float* wt, int Np,
                       GLOBAL float* out, idx_t oOff, idx_t ldo,
                       GLOBAL const float* bias, idx_t biasOff, int hasBias)
{
    const int n0 = (int) GLOBAL_ID(0) * 16;
    const int r0 = (int) GLOBAL_ID(1) * VROWS;
    if (n0 >= N || r0 >= M) return;
    float8 lo[VROWS], hi[VROWS];
    GLOBAL const float* xr[VROWS];
    for (int i = 0; i < VROWS; i++) {
        lo[i] = (float8) (0.0f);
        hi[i] = (float8) (0.0f);
        int r = min(r0 + i, M - 1);         /* tail rows recompute the last row; not stored */
        xr[i] = x + xOff + (idx_t) r * ldx;
    }
    GLOBAL const float* w = wt + n0;
    for (int k = 0; k < K; k++) {
        float8 wl = vload8(0, w);
        float8 wh = vload8(1, w);
        w += Np;
        for (int i = 0; i < VROWS; i++) {
            float xv = xr[i][k];
            lo[i] = fma((float8) (xv), wl, lo[i]);
            hi[i] = fma((float8) (xv), wh, hi[i]);
        }
    }
    float8 bl = (float8) (0.0f), bh = (float8) (0.0f);
    if (hasBias) {
        for (int j = 0; j < 8; j++) {
            if (n0 + j < N) bl[j] = bias[biasOff + n0 + j];
            if (n0 + 8 + j < N) bh[j] = bias[biasOff + n0 + 8 + j];
        }
    }
    for (int i = 0; i < VROWS; i++) {
        int r = r0 + i;
        if (r >= M) break;
        GLOBAL float* o = out + oOff + (idx_t) r * ldo + n0;
        float8 l = lo[i] + bl, h = hi[i] + bh;
        if (n0 + 16 <= N) {
            vstore8(l, 0, o);
            vstore8(h, 1, o);
        } else {
            for (int j = 0; j < 8; j++) {
                if (n0 + j < N) o[j] = l[j];
                if (n0 + 8 + j < N) o[8 + j] = h[j];
            }
        }
    }
}
#endif
