package flowscale.runtime.search;

/**
 * One decision of a search, for the trace: at a level (grid index of the time where the candidates were
 * evaluated, or a round for Search over Paths), for one chain/parent ({@code -1} = all particles), the
 * rewards of the candidates drawn (negative infinity = non-finite), which one was taken ({@code -1} none)
 * and why, the NFE and reward calls spent so far, and for SMC the ESS and the ancestors.
 *
 * @param s sampling time at which the candidates were evaluated
 */
public record LevelRecord(int level, int chain, double s, double[] rewards, int accepted, Reason reason,
                          long nfe, long rewardCalls, int nonFinite, double ess, int[] ancestors) {

    /** Why a candidate was (or was not) taken. */
    public enum Reason {
        /** best of the initial candidates of a chain (RBF pre-selection) */
        INITIAL_BEST,
        /** strictly better than the chain's best reward so far (RBF) */
        IMPROVED,
        /** the level's quota ran out: best candidate of the level (RBF fallback) */
        QUOTA_EXHAUSTED,
        /** the quota ran out and no candidate was finite: the level is repeated (RBF) */
        LEVEL_REPEATED,
        /** the run ended: best candidate of the chain's last level */
        FINAL,
        /** best of a batch of candidates (BoN, SVDD, CoDe block end, SoP round) */
        BEST_OF_BATCH,
        /** no candidate had a finite reward; the first is carried on but never selected */
        NONE_FINITE,
        /** SMC: ESS fell below the threshold, ancestors drawn */
        RESAMPLED,
        /** SMC: ESS at or above the threshold, particles kept */
        KEPT
    }

    public LevelRecord {
        rewards = rewards.clone();
        ancestors = ancestors == null ? null : ancestors.clone();
    }

    public static LevelRecord choice(int level, int chain, double s, double[] rewards, int accepted, Reason reason,
                                     long nfe, long rewardCalls, int nonFinite) {
        return new LevelRecord(level, chain, s, rewards, accepted, reason, nfe, rewardCalls, nonFinite, Double.NaN, null);
    }

    @Override
    public double[] rewards() {
        return rewards.clone();
    }

    @Override
    public int[] ancestors() {
        return ancestors == null ? null : ancestors.clone();
    }

    public int candidates() {
        return rewards.length;
    }
}
