package flowscale.kernels.conformance;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;
import flowscale.kernels.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The text encoders' ops are checked closely enough to catch the mistakes an implementation of them would make:
 * a mask or bias that is dropped, the bias of the wrong head, quick GELU's slope rounded, a product that skips
 * its tail. Each broken backend fails that op and only that op.
 */
class TextEncoderOpsCanFailTest {
    private static final long SEED = 11;

    @Test
    void attentionWithoutItsCausalMaskFailsCausalAttention() {
        assertOnlyFails(new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void causalAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor out) {
                inner.attention(q, k, v, batch, seq, heads, scale, out);
            }
        }, "causalAttention");
    }

    @Test
    void attentionWithoutItsBiasFailsBiasedAttention() {
        assertOnlyFails(new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void biasedAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor bias,
                                        Tensor out) {
                inner.attention(q, k, v, batch, seq, heads, scale, out);
            }
        }, "biasedAttention");
    }

    @Test
    void everyHeadGivenHeadZerosBiasFailsBiasedAttention() {
        assertOnlyFails(new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void biasedAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor bias,
                                        Tensor out) {
                // Rows h*seq + i of a view that repeats head 0's block for every head.
                Tensor repeated = bias.backend().allocate((long) heads * seq, seq);
                for (int h = 0; h < heads; h++) inner.copy(bias.rowRange(0, seq), repeated.rowRange((long) h * seq, seq));
                inner.biasedAttention(q, k, v, batch, seq, heads, scale, repeated, out);
            }
        }, "biasedAttention");
    }

    @Test
    void quickGeluWithItsSlopeRoundedTo17FailsQuickGelu() {
        assertOnlyFails(new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void quickGelu(Tensor x, Tensor out) {
                // x sigmoid(1.7 x) = silu(1.7 x) / 1.7
                Tensor scaled = x.backend().allocate(x.shape());
                inner.axpby(1.7f, x, 0f, x, scaled);
                inner.silu(scaled, scaled);
                inner.axpby(1f / 1.7f, scaled, 0f, scaled, out);
            }
        }, "quickGelu");
    }

    @Test
    void multiplyThatSkipsItsLastElementFailsMultiply() {
        assertOnlyFails(new DelegatingBackend(new ReferenceBackend()) {
            @Override
            public void multiply(Tensor x, Tensor y, Tensor out) {
                if (x.size() > 1 && x.rank() == 1 && y.rank() == 1 && out.rank() == 1) {
                    inner.multiply(x.flatRange(0, x.size() - 1), y.flatRange(0, y.size() - 1), out.flatRange(0, out.size() - 1));
                } else {
                    inner.multiply(x, y, out);
                }
            }
        }, "multiply");
    }

    private static void assertOnlyFails(Backend broken, String op) {
        try (broken) {
            for (String o : new String[] {"attention", "quickGelu", "multiply", "causalAttention", "biasedAttention"}) {
                OpResult r = Conformance.run(broken, o, SEED, true);
                if (o.equals(op)) {
                    assertFalse(r.ok(), op + " should fail: " + r);
                    assertTrue(r.worstError() > r.tolerance(), r.toString());
                } else {
                    assertTrue(r.ok(), o + " should pass: " + r.detail());
                }
            }
        }
    }
}
