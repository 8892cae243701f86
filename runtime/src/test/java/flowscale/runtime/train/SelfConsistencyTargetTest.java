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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The self-consistency target of shortcut training against the double-precision {@link ScalarDiT}: for each item,
 * {@code s1 = s(x, t, h)}, {@code x' = x - h s1}, {@code s2 = s(x', t - h, h)}, target {@code (s1 + s2) / 2}, with
 * {@code h = d/2} and d = 0 for the half steps below the finest trained step. Random, all non-zero weights, so
 * the step size changes the output. The production code runs in float32 (and rounds x' to float), the oracle in
 * double from the same float inputs; the tolerance is DiTForwardTest's 2e-5 of the largest target, doubled for
 * the second forward pass that the first one's rounding feeds.
 *
 * <p>Also the batch layout: the flow-matching items of a shortcut run are exactly a base run's, and the
 * self-consistency items have a power-of-two step in [1/M, 1] and a time on that step's grid.
 */
class SelfConsistencyTargetTest {
    static final DiTConfig TINY = TrainableDiTGradientTest.TINY.withShortcut(true);
    static final int M = 128;

    @Test
    void referenceTargetEqualsTheScalarOracle() {
        try (ReferenceBackend be = new ReferenceBackend()) {
            check(be);
        }
    }

    @Test
    void cpuTargetEqualsTheScalarOracle() {
        try (CpuBackend be = new CpuBackend(2)) {
            check(be);
        }
    }

    private static void check(TrainingBackend be) {
        Map<String, float[]> weights = DiTCheckpoints.randomWeights(TINY, 21);
        ParameterSet params = new ParameterSet(TINY, be);
        params.fromHost(weights, params.params);
        int n = TINY.imageFloats();
        // items: a coarse jump from t = d = 1, a middle level, the finest level (h = 1/256: half steps at d = 0), and 2/M
        double[] d = {1.0, 0.25, 1.0 / M, 2.0 / M};
        double[] t = {1.0, 0.75, 37.0 / M, 2.0 / M};
        Condition[] cond = {Condition.NONE, new Condition("2 red circles", new int[][] {{2, 0, 0}}),
            new Condition("1 blue square and 4 green triangles", new int[][] {{1, 2, 1}, {4, 1, 2}}), Condition.NONE};
        SplittableRandom rng = new SplittableRandom(5);
        float[] xt = new float[d.length * n];
        for (int k = 0; k < xt.length; k++) xt[k] = (float) rng.nextGaussian();
        float[] target = new float[xt.length];
        TrainingBatch batch = new TrainingBatch(xt.clone(), t.clone(), d.clone(), cond, target);
        new SelfConsistencyTarget(new TrainableDiT(params, d.length), M).fill(batch);
        assertArrayEquals(xt, batch.xt(), "the inputs are not changed");

        ScalarDiT oracle = new ScalarDiT(TINY, weights);
        for (int i = 0; i < d.length; i++) {
            double h = d[i] / 2, dIn = h < 1.0 / M ? 0.0 : h;
            float[] x = new float[n];
            System.arraycopy(xt, i * n, x, 0, n);
            double[] s1 = oracle.velocity(x, t[i], dIn, cond[i].groups());
            float[] x2 = new float[n];
            for (int k = 0; k < n; k++) x2[k] = (float) (x[k] - h * s1[k]);
            double[] s2 = oracle.velocity(x2, t[i] - h, dIn, cond[i].groups());
            double largest = 0, worst = 0;
            for (int k = 0; k < n; k++) largest = Math.max(largest, Math.abs(0.5 * (s1[k] + s2[k])));
            for (int k = 0; k < n; k++) worst = Math.max(worst, Math.abs(batch.target()[i * n + k] - 0.5 * (s1[k] + s2[k])));
            assertTrue(largest > 0.1, "item " + i + ": a degenerate target " + largest);
            assertTrue(worst <= 4e-5 * largest, be.name() + " item " + i + " (d=" + d[i] + "): error " + worst + " of " + largest);
        }
    }

    @Test
    void theBatchKeepsTheBaseItemsAndDrawsStepsOnTheirGrids() {
        TrainConfig base = TrainConfig.DEFAULT.withOverrides("{\"batchSize\": 32}");
        TrainConfig shortcut = base.withOverrides("{\"shortcut\": true}");
        assertEquals(8, shortcut.selfConsistencyItems());
        assertEquals(0, base.selfConsistencyItems());
        TrainingBatch.SceneSource scenes = TrainingBatch.SceneSource.world(new flowscale.runtime.data.ShapesWorld(), 1);
        int n = base.model().imageFloats();
        int coarse = 0, finest = 0;
        for (long step = 0; step < 40; step++) {
            TrainingBatch a = TrainingBatch.of(base, scenes, step), b = TrainingBatch.of(shortcut, scenes, step);
            for (int i = 0; i < 24; i++) {
                assertEquals(0.0, b.d()[i]);
                assertEquals(a.t()[i], b.t()[i]);
                assertEquals(a.cond()[i], b.cond()[i]);
            }
            for (int k = 0; k < 24 * n; k++) {
                assertEquals(a.xt()[k], b.xt()[k]);
                assertEquals(a.target()[k], b.target()[k]);
            }
            for (int i = 24; i < 32; i++) {
                double d = b.d()[i], t = b.t()[i];
                int level = -Math.getExponent(d);
                assertTrue(d == Math.scalb(1.0, -level) && level >= 0 && level <= 7, "step " + d);
                double j = t / d;
                assertTrue(j == Math.rint(j) && j >= 1 && t <= 1, "time " + t + " is not on the grid of " + d);
                if (d == 1) coarse++;
                if (d == 1.0 / M) finest++;
                assertEquals(b.cond()[i], a.cond()[i], "the condition (and its dropout) is the base run's");
            }
        }
        assertTrue(coarse > 0 && finest > 0, "both ends of the ladder are drawn: " + coarse + ", " + finest);
    }
}
