package flowscale.kernels.conformance;

import flowscale.kernels.Backend;
import flowscale.kernels.WeightType;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.NoiseScheme;
import flowscale.kernels.Tensor;
import flowscale.kernels.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The suite must be able to fail: backends broken in one op, in the ways real kernels break (a slightly
 * wrong coefficient, a write past the view, a NaN, a skipped vector tail, a different random stream),
 * fail exactly that op and pass the others.
 */
class ConformanceCanFailTest {
    private static final long SEED = 7;

    /** The reference against itself: every op passes with an error of exactly zero. */
    @Test
    void referenceAgainstItselfIsExact() {
        try (Backend candidate = new ReferenceBackend()) {
            List<OpResult> results = Conformance.run(candidate, SEED, true);
            assertEquals(Conformance.ops().size(), results.size());
            for (OpResult r : results) {
                assertTrue(r.ok(), r.op() + ": " + r.detail());
                assertEquals(0.0, r.worstError(), r.op() + ": " + r.detail());
                assertTrue(r.shapes() > 0, r.op());
            }
        }
    }

    /** gemm computed with alpha off by 1e-4 relative: above the GEMM tolerance, which it must report. */
    @Test
    void slightlyWrongCoefficientFailsGemmOnly() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void gemm(boolean ta, boolean tb, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
                inner.gemm(ta, tb, alpha * 1.0001f, a, b, beta, c);
            }
        };
        assertOnlyFails(broken, "gemm");
    }

    /** fill writing one element past the end of contiguous 1-D views: caught by the guard after the view. */
    @Test
    void writePastTheViewFailsFill() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void fill(Tensor dst, float value) {
                inner.fill(dst, value);
                if (dst.rank() == 1 && dst.stride(0) == 1 && dst.offset() + dst.size() < dst.storage().capacity()) {
                    inner.fill(new Tensor(dst.storage(), dst.offset() + dst.size(), new long[] {1}, new long[] {1}), value);
                }
            }
        };
        assertOnlyFails(broken, "fill");
    }

    /** silu that leaves the last element of odd-sized tensors alone: a forgotten vector tail. */
    @Test
    void forgottenTailFailsSilu() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void silu(Tensor x, Tensor out) {
                if (x.size() % 2 == 1 && x.size() > 1 && x.rank() == 1 && out.rank() == 1) {
                    inner.silu(x.flatRange(0, x.size() - 1), out.flatRange(0, out.size() - 1));
                } else {
                    inner.silu(x, out);
                }
            }
        };
        assertOnlyFails(broken, "silu");
    }

    /** attention that produces a NaN in one element: "no NaN where none expected". */
    @Test
    void nanFailsAttention() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void attention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor out) {
                inner.attention(q, k, v, batch, seq, heads, scale, out);
                inner.fill(out.rowRange(0, 1).colRange(0, 1), Float.NaN);
            }
        };
        OpResult r = Conformance.run(broken, "attention", SEED, true);
        assertFalse(r.ok());
        assertEquals(Double.POSITIVE_INFINITY, r.worstError());
        assertTrue(r.detail().contains("NaN"), r.detail());
    }

    /** groupNorm with eps off by 1e-3: a slip in a constant that a group of near-constant values exposes. */
    @Test
    void wrongEpsilonFailsGroupNormOnly() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, Tensor out) {
                inner.groupNorm(x, groups, gamma, beta, eps + 1e-3f, out);
            }
        };
        assertOnlyFails(broken, "groupNorm");
    }

    /** gatherRows that takes the row after the one asked for (wrapping): a classic index slip. */
    @Test
    void offByOneIndexFailsGatherRowsOnly() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void gatherRows(Tensor src, int[] rows, Tensor out) {
                int[] shifted = rows.clone();
                for (int i = 0; i < shifted.length; i++) shifted[i] = (shifted[i] + 1) % src.rows();
                inner.gatherRows(src, shifted, out);
            }
        };
        assertOnlyFails(broken, "gatherRows");
    }

    /** combine that rounds its third coefficient to float: the float-coefficient slip the samplers' op exists to avoid is
     * below any tolerance, so the slip here is a wrong sign on the noise term, which must fail combine only. */
    @Test
    void wrongNoiseSignFailsCombineOnly() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void combine(double a, Tensor x, double b, Tensor y, double c, Tensor z, Tensor out) {
                inner.combine(a, x, b, y, -c, z, out);
            }
        };
        assertOnlyFails(broken, "combine");
    }

    /** conv2d that drops the bias: every case with a bias fails. */
    @Test
    void droppedBiasFailsConv2dOnly() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void conv2d(Tensor x, flowscale.kernels.ConvWeight w, Tensor bias, Tensor out) {
                inner.conv2d(x, w, null, out);
            }
        };
        assertOnlyFails(broken, "conv2d");
    }

    /** normal from a neighbouring stream: tolerance 0, any difference fails. */
    @Test
    void otherStreamFailsNormal() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void normal(long key, int s0, int s1, int s2, Tensor out) {
                inner.normal(key, s0, s1, s2 + 1, out);
            }
        };
        assertOnlyFails(broken, "normal");
    }

    /** BF16 weights decoded as if they were F16 (a format mix-up at load): linearBf16 fails, linearF16 does not. */
    @Test
    void bf16ReadAsF16FailsLinearBf16Only() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public PackedWeight packHalf(MemorySegment data, WeightType format, int outFeatures, int inFeatures) {
                return inner.packHalf(data, format == WeightType.BF16 ? WeightType.F16 : format, outFeatures, inFeatures);
            }
        };
        assertOnlyFails(broken, "linearBf16");
    }

    /** F8_E4M3 weights with the lowest mantissa bit lost (a decoder off by one bit): linearF8E4M3 fails, nothing else. */
    @Test
    void f8WithATruncatedMantissaFailsLinearF8Only() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public PackedWeight packHalf(MemorySegment data, WeightType format, int outFeatures, int inFeatures) {
                if (format != WeightType.F8_E4M3) return inner.packHalf(data, format, outFeatures, inFeatures);
                byte[] codes = data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                for (int i = 0; i < codes.length; i++) codes[i] &= (byte) 0xfe;
                return inner.packHalf(MemorySegment.ofArray(codes), format, outFeatures, inFeatures);
            }
        };
        assertOnlyFails(broken, "linearF8E4M3");
    }

    /** QK-norm that forgets its learned scale (gamma taken as 1): headRmsNorm fails. */
    @Test
    void ignoredScaleFailsHeadRmsNorm() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void headRmsNorm(Tensor x, Tensor gamma, float eps, Tensor out) {
                float[] ones = new float[Math.toIntExact(gamma.size())];
                java.util.Arrays.fill(ones, 1f);
                inner.headRmsNorm(x, inner.upload(ones, ones.length), eps, out);
            }
        };
        assertOnlyFails(broken, "headRmsNorm");
    }

    /** RoPE that leaves the last head of rows with several heads unrotated: rope fails. */
    @Test
    void unrotatedLastHeadFailsRope() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void rope(Tensor x, Tensor table, int seq, Tensor out) {
                int hd = table.cols(), cols = x.cols();
                if (cols == hd) {
                    inner.rope(x, table, seq, out);
                    return;
                }
                inner.rope(x.colRange(0, cols - hd), table, seq, out.colRange(0, cols - hd));
                if (out != x) inner.copy(x.colRange(cols - hd, hd), out.colRange(cols - hd, hd));
            }
        };
        assertOnlyFails(broken, "rope");
    }

    /**
     * quantile-v2 normals with one element off by one float ulp (a kernel that rounded one step differently, say, or
     * contracted a multiply-add): tolerance 0 catches it, and the Box–Muller check is untouched.
     */
    @Test
    void oneUlpOffFailsQuantileNormal() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void normal(NoiseScheme scheme, long key, int s0, int s1, int s2, Tensor out) {
                inner.normal(scheme, key, s0, s1, s2, out);
                if (scheme != NoiseScheme.QUANTILE_V2) return;
                float[] v = new float[Math.toIntExact(out.size())];
                inner.download(out, v, 0);
                int last = v.length - 1;
                v[last] = Math.nextUp(v[last]);
                inner.upload(v, 0, out);
            }
        };
        assertOnlyFails(broken, "normal quantile-v2");
    }

    /** quantile-v2 asked for but Box–Muller drawn: the schemes are different streams and the check says so. */
    @Test
    void wrongSchemeFailsQuantileNormal() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void normal(NoiseScheme scheme, long key, int s0, int s1, int s2, Tensor out) {
                inner.normal(NoiseScheme.BOX_MULLER_V1, key, s0, s1, s2, out);
            }
        };
        assertOnlyFails(broken, "normal quantile-v2");
    }

    /** An op that throws on valid input is a failure with the exception in the detail, not a crash. */
    @Test
    void exceptionIsReportedAsFailure() {
        Backend broken = new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public double norm2(Tensor x) {
                throw new IllegalStateException("norm2 exploded");
            }
        };
        OpResult r = Conformance.run(broken, "norm2", SEED, true);
        assertFalse(r.ok());
        assertTrue(r.detail().contains("norm2 exploded"), r.detail());
    }

    private static void assertOnlyFails(Backend broken, String op) {
        try (broken) {
            for (OpResult r : Conformance.run(broken, SEED, true)) {
                if (r.op().equals(op)) {
                    assertFalse(r.ok(), op + " should fail: " + r);
                    assertTrue(r.worstError() > r.tolerance(), r.toString());
                } else {
                    assertTrue(r.ok(), r.op() + " should pass: " + r.detail());
                }
            }
        }
    }
}
