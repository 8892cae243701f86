package flowscale.kernels.conformance;

import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;
import flowscale.kernels.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training suite must be able to fail: the reference against itself is exact, and backends broken
 * in one op the way backward kernels break (a slightly wrong gradient, overwriting where the contract
 * says accumulate, a write outside the output view) fail exactly that op.
 */
class TrainingConformanceCanFailTest {
    private static final long SEED = 11;

    @Test
    void referenceAgainstItselfIsExact() {
        try (TrainingBackend candidate = new ReferenceBackend()) {
            List<OpResult> results = TrainingConformance.run(candidate, SEED, true);
            assertEquals(TrainingConformance.ops().size(), results.size());
            for (OpResult r : results) {
                assertTrue(r.ok(), r.op() + ": " + r.detail());
                assertEquals(0.0, r.worstError(), r.op() + ": " + r.detail());
            }
        }
    }

    /** dk off by 1e-3 relative (gradients of order 1, so ~1e-3 absolute): above the attention bound. */
    @Test
    void slightlyWrongKeyGradientFailsAttentionBackwardOnly() {
        TrainingBackend broken = new DelegatingTrainingBackend(new ReferenceBackend()) {
            @Override
            public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor dout, int batch, int seq,
                                          int heads, float scale, Tensor dq, Tensor dk, Tensor dv) {
                training.attentionBackward(q, k, v, out, dout, batch, seq, heads, scale, dq, dk, dv);
                training.scale(dk, 1.001f);
            }
        };
        assertOnlyFails(broken, "attentionBackward");
    }

    /** dgamma / dbeta overwritten instead of accumulated. */
    @Test
    void overwritingParameterGradientsFailsLayerNormBackwardOnly() {
        TrainingBackend broken = new DelegatingTrainingBackend(new ReferenceBackend()) {
            @Override
            public void layerNormBackward(Tensor x, Tensor gamma, float eps, Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta) {
                fill(dgamma, 0f);
                fill(dbeta, 0f);
                training.layerNormBackward(x, gamma, eps, dy, dx, dgamma, dbeta);
            }
        };
        assertOnlyFails(broken, "layerNormBackward");
    }

    /** modulateBackward also writing the gate chunk next to dscale (a column range off by one chunk). */
    @Test
    void writeOutsideTheChunkFailsModulateBackwardOnly() {
        TrainingBackend broken = new DelegatingTrainingBackend(new ReferenceBackend()) {
            @Override
            public void modulateBackward(Tensor x, Tensor scale, Tensor dy, int tokensPerItem, Tensor dx, Tensor dshift,
                                         Tensor dscale) {
                training.modulateBackward(x, scale, dy, tokensPerItem, dx, dshift, dscale);
                fill(dscale.view(dscale.dim(1), dscale.shape(), dscale.strides()), 7f);
            }
        };
        assertOnlyFails(broken, "modulateBackward");
    }

    private static void assertOnlyFails(TrainingBackend broken, String op) {
        try (broken) {
            for (OpResult r : TrainingConformance.run(broken, SEED, true)) {
                if (r.op().equals(op)) assertTrue(!r.ok(), op + " should fail but passed: " + r.detail());
                else assertTrue(r.ok(), r.op() + " should pass: " + r.detail());
            }
        }
    }
}
