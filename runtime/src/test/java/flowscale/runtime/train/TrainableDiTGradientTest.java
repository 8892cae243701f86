package flowscale.runtime.train;

import flowscale.kernels.TrainingBackend;
import flowscale.kernels.cpu.CpuBackend;
import flowscale.kernels.reference.ReferenceBackend;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.model.ScalarDiT;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer's backward pass over a whole small DiT, every element of every parameter, against central
 * finite differences of the flow-matching loss computed by the independent double-precision {@link ScalarDiT}.
 *
 * <p>The weights are random (not adaLN-Zero's zeros), so every path carries gradient; the batch mixes a
 * dropped (null) condition, one group and three groups, so the null, slot and every table row used get
 * gradient through both the tokens and the pooled vector. The trainer runs in float32, the oracle in double;
 * measured worst error per tensor, relative to that tensor's largest gradient, is 3.5e-6 (reference) and 3.7e-6
 * (cpu), both on the patch embedding; a wrong sign, a missing path or a swapped chunk gives order 1. Tolerance 1e-3.
 */
class TrainableDiTGradientTest {
    /** 8x8 images, patch 4: 4 image tokens + 3 condition tokens; 2 blocks of width 8 with 2 heads. */
    static final DiTConfig TINY = new DiTConfig(8, 3, 4, 8, 2, 2, 2.0, 16, 3, 4, 4, 3, Map.of());
    private static final double TOL = 1e-3;

    @Test
    void referenceBackwardMatchesFiniteDifferencesForEveryParameter() {
        try (ReferenceBackend be = new ReferenceBackend()) {
            check(be);
        }
    }

    @Test
    void cpuBackwardMatchesFiniteDifferencesForEveryParameter() {
        try (CpuBackend be = new CpuBackend(2)) {
            check(be);
        }
    }

    /**
     * A shortcut model: the step sizes differ per item (0, a fine and a coarse step), so the gradient reaches every
     * parameter of {@code d_embedder} through the conditioning vector, beside everything the base model has.
     */
    @Test
    void referenceBackwardOfAShortcutModelMatchesFiniteDifferences() {
        try (ReferenceBackend be = new ReferenceBackend()) {
            check(be, TINY.withShortcut(true), new double[] {0.0, 1.0 / 64, 0.5});
        }
    }

    @Test
    void cpuBackwardOfAShortcutModelMatchesFiniteDifferences() {
        try (CpuBackend be = new CpuBackend(2)) {
            check(be, TINY.withShortcut(true), new double[] {0.0, 1.0 / 64, 0.5});
        }
    }

    private static void check(TrainingBackend be) {
        check(be, TINY, null);
    }

    private static void check(TrainingBackend be, DiTConfig config, double[] stepSizes) {
        Map<String, float[]> weights = DiTCheckpoints.randomWeights(config, 7);
        Batch batch = Batch.random(config, 11).at(stepSizes);
        ParameterSet params = new ParameterSet(config, be);
        params.fromHost(weights, params.params);
        be.fill(params.grads, 0f);
        TrainableDiT model = new TrainableDiT(params, batch.size());
        double loss = stepSizes == null ? model.lossAndGradient(batch.xt, batch.t, batch.cond, batch.target)
                : model.lossAndGradient(batch.xt, batch.t, stepSizes, batch.cond, batch.target);
        double oracleLoss = batch.loss(weights);
        assertTrue(Math.abs(loss - oracleLoss) <= 1e-5 * oracleLoss, "loss " + loss + " vs double " + oracleLoss);

        Map<String, float[]> grads = params.toHost(params.grads);
        StringBuilder failures = new StringBuilder();
        for (String name : params.names()) {
            float[] w = weights.get(name);
            float[] g = grads.get(name);
            double[] fd = new double[w.length];
            double largest = 0;
            for (int i = 0; i < w.length; i++) {
                float keep = w[i];
                float plus = keep + 1e-3f, minus = keep - 1e-3f;
                w[i] = plus;
                double up = batch.loss(weights);
                w[i] = minus;
                double down = batch.loss(weights);
                w[i] = keep;
                fd[i] = (up - down) / ((double) plus - minus);
                largest = Math.max(largest, Math.abs(fd[i]));
            }
            assertTrue(largest > 0, name + " has no gradient at all: the test would not see a wrong one");
            double worst = 0;
            for (int i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(g[i] - fd[i]) / largest);
            if (worst > TOL) failures.append(name).append(" worst relative error ").append(worst).append("; ");
        }
        assertTrue(failures.isEmpty(), be.name() + ": " + failures);
    }

    /** A fixed batch of three items at step sizes {@code d} (null: all 0) and its loss under the double-precision oracle. */
    record Batch(float[] xt, double[] t, Condition[] cond, float[] target, DiTConfig config, double[] d) {
        int size() { return t.length; }

        Batch at(double[] stepSizes) {
            return new Batch(xt, t, cond, target, config, stepSizes);
        }

        static Batch random(DiTConfig config, long seed) {
            SplittableRandom rng = new SplittableRandom(seed);
            int n = config.imageFloats();
            Condition[] cond = {
                Condition.NONE,
                new Condition("2 red circles", new int[][] {{2, 0, 0}}),
                new Condition("1 blue square, 4 green triangles and 3 red squares", new int[][] {{1, 2, 1}, {4, 1, 2}, {3, 0, 1}}),
            };
            float[] xt = new float[cond.length * n], target = new float[cond.length * n];
            for (int i = 0; i < xt.length; i++) {
                xt[i] = (float) rng.nextGaussian();
                target[i] = (float) rng.nextGaussian();
            }
            return new Batch(xt, new double[] {0.13, 0.5, 0.91}, cond, target, config, null);
        }

        double loss(Map<String, float[]> weights) {
            ScalarDiT oracle = new ScalarDiT(config, weights);
            int n = config.imageFloats();
            double sum = 0;
            for (int b = 0; b < size(); b++) {
                float[] image = new float[n];
                System.arraycopy(xt, b * n, image, 0, n);
                double[] u = oracle.velocity(image, t[b], d == null ? 0.0 : d[b], cond[b].groups());
                for (int i = 0; i < n; i++) {
                    double e = u[i] - target[b * n + i];
                    sum += e * e;
                }
            }
            return sum / ((double) size() * n);
        }
    }
}
