package flowscale.runtime.train;

import flowscale.kernels.Philox;
import flowscale.runtime.data.Scene;
import flowscale.runtime.data.ShapesWorld;
import flowscale.runtime.model.Condition;

import java.util.SplittableRandom;

/**
 * The batch of training step {@code step}, a pure function of (config seed, step): scenes
 * {@code step*B .. step*B+B-1} of the scene stream (by default the shapes world's training stream), Philox noise keyed by (seed, step), flow
 * times from the logit-normal and condition dropout from a generator seeded by (seed, step). So a resumed run
 * sees exactly the batches the uninterrupted run would have seen.
 *
 * <p>In a shortcut run ({@link TrainConfig#shortcut()}) the last {@link TrainConfig#selfConsistencyItems()} items
 * are self-consistency items: a step {@code d = 2^-k} and a time on its grid drawn from a second generator seeded by
 * (seed, step), so the flow-matching items are exactly those of a base run; their target is left as
 * {@code noise - x0} for {@link SelfConsistencyTarget} to replace.
 *
 * @param xt     noisy inputs {@code (1 - t) x0 + t noise}, {@code [B, C*H*W]}
 * @param d      the step size each item is trained at: 0 (flow matching), or the self-consistency step
 * @param target velocity targets {@code noise - x0}
 */
public record TrainingBatch(float[] xt, double[] t, double[] d, Condition[] cond, float[] target) {
    /** Philox stream purposes, so noise never collides with anything else keyed by the same seed. */
    private static final int NOISE_PURPOSE = 0x7472_6e00; // "trn"

    /** Where training scenes come from: scene {@code index} of a fixed stream. */
    @FunctionalInterface
    public interface SceneSource {
        Scene scene(long index);

        /** The shapes world's training stream named by {@code seed} (all prompts, 1-3 groups). */
        static SceneSource world(ShapesWorld world, long seed) {
            return index -> world.scene(seed, index);
        }
    }

    public static TrainingBatch of(TrainConfig config, SceneSource scenes, long step) {
        int b = config.batchSize();
        int n = 0;
        float[] xt = null, target = null;
        double[] t = new double[b];
        Condition[] cond = new Condition[b];
        SplittableRandom rng = new SplittableRandom(config.seed() * 0x9E3779B97F4A7C15L + step);
        SplittableRandom steps = new SplittableRandom(config.seed() * 0xD1B54A32D192ED03L + step);
        double[] d = new double[b];
        int firstConsistency = b - config.selfConsistencyItems();
        int levels = Integer.numberOfTrailingZeros(config.shortcutSteps()) + 1;
        for (int i = 0; i < b; i++) {
            Scene scene = scenes.scene(step * b + i);
            if (n == 0) {
                n = scene.image().length;
                xt = new float[b * n];
                target = new float[b * n];
            } else if (scene.image().length != n) {
                throw new IllegalArgumentException("scene " + (step * b + i) + " has " + scene.image().length + " floats, earlier ones " + n);
            }
            double logit = config.timeLogitMean() + config.timeLogitStd() * rng.nextGaussian();
            t[i] = 1.0 / (1.0 + Math.exp(-logit));
            cond[i] = rng.nextDouble() < config.conditionDropout() ? Condition.NONE : scene.prompt().toCondition();
            if (i >= firstConsistency) {
                int k = steps.nextInt(levels);       // d = 2^-k, from 1 down to 1/shortcutSteps
                d[i] = Math.scalb(1.0, -k);
                t[i] = (1 + steps.nextInt(1 << k)) * d[i]; // on the step's grid: d, 2d, ..., 1
            }
            float[] x0 = scene.image();
            float a = (float) (1.0 - t[i]), s = (float) t[i];
            for (int k = 0; k < n; k++) {
                float noise = (float) Philox.normal(config.seed(), NOISE_PURPOSE, (int) step, (int) (step >>> 32), (long) i * n + k);
                xt[i * n + k] = a * x0[k] + s * noise;
                target[i * n + k] = noise - x0[k];
            }
        }
        return new TrainingBatch(xt, t, d, cond, target);
    }
}
