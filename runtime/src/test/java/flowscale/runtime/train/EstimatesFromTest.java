package flowscale.runtime.train;

import flowscale.kernels.NoiseScheme;
import flowscale.runtime.data.Prompt;
import flowscale.runtime.data.ShapesWorld;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.NoiseSource;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.VelocityModel;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@link ModelEvaluation#evaluateEstimates}: the images the model card's "valid shapes of one-step estimates from
 * t = 0.71 and 0.93" are measured on. Checked against a hand-computed oracle on an analytic shortcut model, and
 * against the plain 10-step ODE sample, which is the Tweedie estimate from t = 0.1 after the same Euler steps.
 */
class EstimatesFromTest {
    /** s(x, t, d) = x (1 + d) - t: linear in x, so the oracle is a few lines; d changes the output. */
    static final class Affine implements VelocityModel {
        final boolean stepSize;
        long nfe;

        Affine(boolean stepSize) {
            this.stepSize = stepSize;
        }

        @Override public int dim() { return 3 * 32 * 32; }
        @Override public int[] shape() { return new int[] {3, 32, 32}; }
        @Override public boolean takesStepSize() { return stepSize; }
        @Override public int nfePerLatent() { return 1; }
        @Override public long nfe() { return nfe; }
        @Override public void resetNfe() { nfe = 0; }

        @Override
        public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
            velocity(n, x, t, null, cond, out);
        }

        @Override
        public void velocity(int n, float[][] x, double[] t, double[] d, Condition[] cond, float[][] out) {
            for (int i = 0; i < n; i++) {
                double di = d == null ? 0 : d[i];
                if (di != 0 && !stepSize) throw new IllegalArgumentException("no step size");
                for (int j = 0; j < x[i].length; j++) out[i][j] = (float) (x[i][j] * (1 + di) - t[i]);
            }
            nfe += n;
        }
    }

    private static final List<Prompt> PROMPTS = ShapesWorld.heldOutPrompts(5, 3);

    @Test
    void oneStepJumpFromT093IsOneEulerStepThenTheJump() {
        Affine model = new Affine(true);
        ModelEvaluation.Result r = ModelEvaluation.evaluateEstimates(model, 0.93, Estimate.SCHNELL, PROMPTS, 7, 2);
        assertEquals(PROMPTS.size(), r.size());
        // 10 (1 - 0.93) = 0.7 -> one Euler step 1 -> 0.93 at d = 0, then x - 0.93 s(x, 0.93, 0.93): 2 calls per latent
        assertEquals(2L * PROMPTS.size(), model.nfe());
        NoiseSource noise = NoiseSource.philox(7, NoiseScheme.COMMITTED_TABLES); // evaluate's noise
        for (int p = 0; p < PROMPTS.size(); p++) {
            float[] x = new float[model.dim()];
            noise.fill(p, NoiseSource.INITIAL, x);
            float[] img = r.samples().get(p).image();
            for (int j = 0; j < x.length; j++) {
                float u = (float) (x[j] - 1.0);
                float xt = x[j] + (float) ((0.93 - 1.0) * u);
                float s = (float) (xt * 1.93 - 0.93);
                float want = (float) (xt - 0.93 * s);
                assertEquals(want, img[j], 1e-5f, "prompt " + p + " element " + j);
            }
            assertEquals(PROMPTS.get(p), r.samples().get(p).prompt());
        }
    }

    @Test
    void tweedieFromTenthIsTheTenStepOdeSample() {
        Affine model = new Affine(false);
        ModelEvaluation.Result jumps = ModelEvaluation.evaluateEstimates(model, 0.1, Estimate.TWEEDIE, PROMPTS, 9, 3);
        ModelEvaluation.Result ode = ModelEvaluation.evaluate(model, Sampler.named("ode"), PROMPTS, 9, 3);
        for (int p = 0; p < PROMPTS.size(); p++) {
            float[] a = jumps.samples().get(p).image(), b = ode.samples().get(p).image();
            for (int j = 0; j < a.length; j++) assertEquals(b[j], a[j], 1e-5f, "prompt " + p + " element " + j);
        }
    }

    @Test
    void refusesAOneStepEstimateOnABaseModelAndTimesOutsideTheInterval() {
        assertThrows(IllegalArgumentException.class,
                () -> ModelEvaluation.evaluateEstimates(new Affine(false), 0.5, Estimate.SCHNELL, PROMPTS, 0, 2));
        assertThrows(IllegalArgumentException.class,
                () -> ModelEvaluation.evaluateEstimates(new Affine(true), 0.0, Estimate.SCHNELL, PROMPTS, 0, 2));
        assertThrows(IllegalArgumentException.class,
                () -> ModelEvaluation.evaluateEstimates(new Affine(true), 1.5, Estimate.TWEEDIE, PROMPTS, 0, 2));
    }
}
