package flowscale.runtime.reward;

import flowscale.runtime.model.Condition;

/**
 * Toy reward that prefers one mode of an analytic mixture: {@code r(x0) = −‖x0 − centre‖} (negative
 * Euclidean distance to the target mode's mean). Ignores the condition. Higher is better; 0 is the best.
 */
public final class TargetModeReward implements Reward {
    private final double[] centre;
    private final int mode;

    public TargetModeReward(int mode, double[] centre) {
        this.mode = mode;
        this.centre = centre.clone();
    }

    public int mode() {
        return mode;
    }

    public double[] centre() {
        return centre.clone();
    }

    @Override
    public String name() {
        return "mode:" + mode;
    }

    @Override
    public void score(int n, float[][] x0, Condition[] cond, double[] scores) {
        for (int i = 0; i < n; i++) {
            float[] x = x0[i];
            if (x.length != centre.length) {
                throw new IllegalArgumentException("latent has " + x.length + " coordinates, the target mode " + centre.length);
            }
            double sq = 0;
            for (int j = 0; j < x.length; j++) {
                double d = x[j] - centre[j];
                sq += d * d;
            }
            scores[i] = -Math.sqrt(sq);
        }
    }
}
