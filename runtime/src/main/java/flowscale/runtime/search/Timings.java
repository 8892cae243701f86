package flowscale.runtime.search;

/**
 * Wall time of a search split by phase (System.nanoTime around the calls): the model (batched velocity
 * calls, including the sampler's path conversion), the reward, and the search itself (everything else:
 * noise, steps, Tweedie estimates, selection, bookkeeping).
 */
public record Timings(long totalNanos, long modelNanos, long rewardNanos) {
    public long searchNanos() {
        return Math.max(0, totalNanos - modelNanos - rewardNanos);
    }

    /** Fraction of the total time spent in the search's own code. */
    public double searchShare() {
        return totalNanos == 0 ? 0 : (double) searchNanos() / totalNanos;
    }
}
