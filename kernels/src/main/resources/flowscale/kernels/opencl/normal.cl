/*
 * quantile-v2 standard normals: Philox4x32-10 words through the piecewise-cubic inverse normal CDF of
 * NormalQuantile.java, which is the definition (bit layout, table, evaluation order). Only operations that
 * IEEE 754 and OpenCL round exactly appear: integer and bit operations, one float subtraction (exact by
 * construction) and fma. No a * b + c is written, so contraction cannot change a result.
 */

#define NQ_PIECES 512

DEVICE_FN float normal_quantile_of(unsigned int w, GLOBAL const float* table)
{
    unsigned int y = (w << 1) | 1u;
    unsigned int b = CLZ32(y);
    unsigned int n = y << b;
    unsigned int mBits = 0x3F800000u | ((n >> 8) & 0x7FFFFFu);
    float t = AS_FLOAT(mBits) - AS_FLOAT((mBits & 0xFFF80000u) | 0x40000u);
    unsigned int k = (b << 4) | ((n >> 27) & 15u);
    float q = FMAF(FMAF(FMAF(table[3 * NQ_PIECES + k], t, table[2 * NQ_PIECES + k]), t, table[NQ_PIECES + k]), t, table[k]);
    return AS_FLOAT(AS_UINT(q) ^ (~w & 0x80000000u));
}

/*
 * Elements [0, n) of stream (key; s0, s1, s2) into out[off, off + n): one work-item per Philox block, whose four
 * words are elements 4i .. 4i+3 (Philox.java has the round function and the counter layout).
 */
KERNEL void normal_quantile(idx_t n, unsigned int k0, unsigned int k1, unsigned int s0, unsigned int s1, unsigned int s2,
                            GLOBAL const float* table, GLOBAL float* out, idx_t off)
{
    const idx_t blk = GLOBAL_ID(0);
    const idx_t i = blk * 4;
    if (i >= n) return;
    unsigned int c0 = (unsigned int) blk, c1 = s0, c2 = s1, c3 = s2;
    for (int round = 0; round < 10; round++) {
        unsigned int hi0 = MUL_HI32(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        unsigned int hi1 = MUL_HI32(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        unsigned int n0 = hi1 ^ c1 ^ k0;
        unsigned int n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[off + i] = normal_quantile_of(c0, table);
    if (i + 1 < n) out[off + i + 1] = normal_quantile_of(c1, table);
    if (i + 2 < n) out[off + i + 2] = normal_quantile_of(c2, table);
    if (i + 3 < n) out[off + i + 3] = normal_quantile_of(c3, table);
}
