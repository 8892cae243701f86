package flowscale.runtime.reward;

import flowscale.runtime.data.Prompt;
import flowscale.runtime.model.Condition;

/** Shared plumbing of the image rewards: batch loop, NaN for images that cannot be judged. */
abstract class ImageReward implements Reward {

    /** The score of one image (CHW in [-1, 1], square) for one prompt. */
    abstract double score(float[] image, Prompt prompt);

    @Override
    public final void score(int n, float[][] x0, Condition[] cond, double[] scores) {
        if (n < 0 || n > x0.length || n > cond.length || n > scores.length) {
            throw new IllegalArgumentException("batch of " + n + " does not fit arrays of " + x0.length + ", "
                    + cond.length + ", " + scores.length);
        }
        for (int i = 0; i < n; i++) {
            if (cond[i].hasEmbedding()) {
                throw new IllegalArgumentException("reward " + name() + " needs a shapes-world prompt; condition '" + cond[i]
                        + "' is prompt embeddings, which have none");
            }
            if (cond[i].groupCount() == 0) {
                throw new IllegalArgumentException("reward " + name() + " needs a prompt; condition " + i + " has no groups");
            }
            scores[i] = finite(x0[i]) ? score(x0[i], Prompt.fromCondition(cond[i])) : Double.NaN;
        }
    }

    private static boolean finite(float[] image) {
        for (float v : image) {
            if (!Float.isFinite(v)) return false;
        }
        return true;
    }
}
