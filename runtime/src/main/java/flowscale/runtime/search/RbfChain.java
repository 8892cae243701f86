package flowscale.runtime.search;

import java.util.Arrays;

/**
 * State of one Rollover Budget Forcing chain: the particle it holds (latent, cached velocity, Tweedie
 * estimate, reward), its level and quota bookkeeping, the best candidate of the current level, and the
 * rewards drawn at the level (for the trace). The held particle and the level's best are row {@link #index} of
 * particle sets shared by all chains ({@link Particles}: on the model's device when it has one).
 */
final class RbfChain {
    final int index;
    private final Particles held, levelBest;
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
    double levelBestReward = Double.NEGATIVE_INFINITY;
    int levelBestIndex = -1;
    private double[] levelRewards = new double[32];
    private int levelCount;

    RbfChain(int index, Particles held, Particles levelBest) {
        this.index = index;
        this.held = held;
        this.levelBest = levelBest;
    }

    /** The particles the chains hold, this one at row {@link #index}. */
    Particles held() {
        return held;
    }

    /** The held particle's clean estimate. */
    float[] x0() {
        return held.x0[index];
    }

    /** The clean estimate of the level's best candidate. */
    float[] levelBestX0() {
        return levelBest.x0[index];
    }

    /** Records candidate {@code i} of {@code cand} and its reward; keeps it as the level's best if strictly better (first max wins ties). */
    void offer(Particles cand, int i, double r) {
        if (levelCount == levelRewards.length) levelRewards = Arrays.copyOf(levelRewards, levelCount * 2);
        levelRewards[levelCount++] = r;
        if (levelBestReward < r) {
            levelBestReward = r;
            levelBestIndex = levelCount - 1;
            cand.copy(i, levelBest, index);
        }
        drawn++;
    }

    boolean hasLevelBest() {
        return levelBestIndex >= 0;
    }

    /** The particle becomes candidate {@code i} of {@code cand}. */
    void take(Particles cand, int i, double r) {
        cand.copy(i, held, index);
        reward = r;
    }

    void takeLevelBest() {
        take(levelBest, index, levelBestReward);
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
