package flowscale.runtime.search;

import java.util.Arrays;

/**
 * State of one Rollover Budget Forcing chain: the particle it holds (latent, cached velocity, Tweedie
 * estimate, reward), its level and quota bookkeeping, the best candidate of the current level, and the
 * rewards drawn at the level (for the trace).
 */
final class RbfChain {
    final int index;
    final float[] x, u, x0;
    double reward = Double.NEGATIVE_INFINITY;
    /** r*: the initial reward and every improvement-accepted reward since (fallbacks never raise it). */
    double bestReward = Double.NEGATIVE_INFINITY;
    int level;
    int quota;
    /** The code's counter: 1-based position within the current quota. */
    int counter = 1;
    /** Candidates drawn at the current level (names the noise stream, never reset within a level). */
    int drawn;
    boolean done;
    final float[] levelBestX, levelBestU, levelBestX0;
    double levelBestReward = Double.NEGATIVE_INFINITY;
    int levelBestIndex = -1;
    private double[] levelRewards = new double[32];
    private int levelCount;

    RbfChain(int index, int dim) {
        this.index = index;
        x = new float[dim];
        u = new float[dim];
        x0 = new float[dim];
        levelBestX = new float[dim];
        levelBestU = new float[dim];
        levelBestX0 = new float[dim];
    }

    /** Records a candidate's reward; keeps it as the level's best if strictly better (first max wins ties). */
    void offer(float[] cx, float[] cu, float[] cx0, double r) {
        if (levelCount == levelRewards.length) levelRewards = Arrays.copyOf(levelRewards, levelCount * 2);
        levelRewards[levelCount++] = r;
        if (levelBestReward < r) {
            levelBestReward = r;
            levelBestIndex = levelCount - 1;
            System.arraycopy(cx, 0, levelBestX, 0, cx.length);
            System.arraycopy(cu, 0, levelBestU, 0, cu.length);
            System.arraycopy(cx0, 0, levelBestX0, 0, cx0.length);
        }
        drawn++;
    }

    boolean hasLevelBest() {
        return levelBestIndex >= 0;
    }

    /** The particle becomes the given candidate. */
    void take(float[] cx, float[] cu, float[] cx0, double r) {
        System.arraycopy(cx, 0, x, 0, cx.length);
        System.arraycopy(cu, 0, u, 0, cu.length);
        System.arraycopy(cx0, 0, x0, 0, cx0.length);
        reward = r;
    }

    void takeLevelBest() {
        take(levelBestX, levelBestU, levelBestX0, levelBestReward);
    }

    double[] levelRewards() {
        return Arrays.copyOf(levelRewards, levelCount);
    }

    /** Starts a new level (or a repeat of the same level when {@code nextLevel} is false). */
    void resetLevel(boolean nextLevel) {
        if (nextLevel) {
            level++;
            drawn = 0;
        }
        levelCount = 0;
        levelBestReward = Double.NEGATIVE_INFINITY;
        levelBestIndex = -1;
    }
}
