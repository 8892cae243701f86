package flowscale.bench.experiments;

import flowscale.runtime.model.Condition;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.reward.Rewards;
import flowscale.runtime.search.RolloverBudgetForcingSettings;
import flowscale.runtime.search.SettingsSchema;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A time estimate for a plan, from a short calibration on the loaded model: the wall time of one batched
 * velocity call at a few batch sizes, and of one counting-reward call. Each method is modelled by its batch
 * pattern with the reference code's defaults (method.md §5): BoN and SMC advance N = budget / M particles
 * together (M calls of N), CoDe and SVDD N·K = 50 (M calls of 50), SoP 168 NFE in batches of N·K = 10, RBF one
 * initial batch of 2·init and then one call per candidate pair (batch 2), {@code none} M calls of 1. The
 * search's own code is taken as free. Good to some 10-30 %; the run prints its own ETA as it goes.
 */
final class CostModel {
    private static final int[] SIZES = {1, 2, 10, 50};
    private static final int STEPS = 10;

    private final double[] secondsPerCall;
    private final double rewardSeconds;

    private CostModel(double[] secondsPerCall, double rewardSeconds) {
        this.secondsPerCall = secondsPerCall;
        this.rewardSeconds = rewardSeconds;
    }

    /** Times the model (about 2 s of warm-up, then the median of 5 calls per batch size) and the counting reward. */
    static CostModel calibrate(VelocityModel model, Condition cond) {
        int dim = model.dim();
        SplittableRandom rng = new SplittableRandom(1);
        int maxB = SIZES[SIZES.length - 1];
        float[][] x = new float[maxB][dim], out = new float[maxB][dim];
        for (float[] row : x) for (int k = 0; k < dim; k++) row[k] = (float) rng.nextGaussian();
        Condition[] conds = new Condition[maxB];
        Arrays.fill(conds, cond);
        double[] t = new double[maxB];
        Arrays.fill(t, 0.5);
        // warm-up: the JIT compiles the forward pass over the first hundreds of calls; give it ~2 s of small batches
        long warmEnd = System.nanoTime() + 2_000_000_000L;
        for (int w = 0; w < 400 && System.nanoTime() < warmEnd; w++) model.velocity(2, x, t, conds, out);
        double[] perCall = new double[SIZES.length];
        for (int i = 0; i < SIZES.length; i++) {
            int b = SIZES[i];
            for (int w = 0; w < 2; w++) model.velocity(b, x, t, conds, out);
            double[] times = new double[5];
            for (int r = 0; r < times.length; r++) {
                long t0 = System.nanoTime();
                model.velocity(b, x, t, conds, out);
                times[r] = (System.nanoTime() - t0) / 1e9;
            }
            Arrays.sort(times);
            perCall[i] = times[2];
        }
        // reward on the Tweedie estimates x - t u of the calibration batch (what a search scores early on)
        float[][] x0 = new float[maxB][dim];
        for (int i = 0; i < maxB; i++) for (int k = 0; k < dim; k++) x0[i][k] = x[i][k] - 0.5f * out[i][k];
        Reward reward = Rewards.named("counting");
        double[] scores = new double[maxB];
        for (int w = 0; w < 20; w++) reward.score(maxB, x0, conds, scores);
        long t0 = System.nanoTime();
        reward.score(maxB, x0, conds, scores);
        double rewardSeconds = (System.nanoTime() - t0) / 1e9 / maxB;
        return new CostModel(perCall, rewardSeconds);
    }

    /** Seconds of one velocity call of {@code b} latents (piecewise linear in the calibrated sizes, linear beyond). */
    double call(int b) {
        if (b <= SIZES[0]) return secondsPerCall[0];
        for (int i = 1; i < SIZES.length; i++) {
            if (b <= SIZES[i]) {
                double f = (double) (b - SIZES[i - 1]) / (SIZES[i] - SIZES[i - 1]);
                return secondsPerCall[i - 1] + f * (secondsPerCall[i] - secondsPerCall[i - 1]);
            }
        }
        int last = SIZES.length - 1;
        return secondsPerCall[last] * b / SIZES[last];
    }

    /** Estimated seconds of one search of {@code cell} on one prompt. */
    double seconds(Cell cell) {
        long budget = cell.budget();
        return switch (cell.method()) {
            case "none" -> STEPS * call(1) + rewardSeconds;
            case "bon" -> { int n = (int) (budget / STEPS); yield STEPS * call(n) + n * rewardSeconds; }
            case "smc" -> { int n = (int) (budget / STEPS); yield STEPS * call(n) + (n * (STEPS + 1)) * rewardSeconds; }
            case "code", "svdd" -> budget < 500 ? 0 : STEPS * call(50) + 500 * rewardSeconds;
            case "sop" -> 168 / 10.0 * call(10) + 168 * rewardSeconds;
            case "rbf" -> {
                int init = SettingsSchema.of(RolloverBudgetForcingSettings.class).parse("rbf", cell.config()).init();
                long rest = Math.max(0, budget - 2L * init);
                yield call(2 * init) + rest / 2.0 * call(2) + budget * rewardSeconds;
            }
            default -> budget / 50.0 * call(50) + budget * rewardSeconds;
        };
    }

    String describe() {
        StringBuilder sb = new StringBuilder("velocity call");
        for (int i = 0; i < SIZES.length; i++) {
            sb.append(String.format(Locale.ROOT, "%s %d: %.1f ms", i == 0 ? "" : ",", SIZES[i], secondsPerCall[i] * 1e3));
        }
        sb.append(String.format(Locale.ROOT, "; counting reward %.0f µs per image", rewardSeconds * 1e6));
        return sb.toString();
    }
}
