package flowscale.runtime.search;

import java.util.List;

/**
 * What a search returns: the best clean sample, its reward, the final candidates (one per surviving
 * particle/chain, for grids and plots) and the trace. {@code best} is null only when no candidate of the
 * whole run had a finite estimate and reward; then {@code bestReward} is negative infinity.
 */
public record SearchResult(float[] best, double bestReward, List<Candidate> finalCandidates, Trace trace) {
    public SearchResult {
        best = best == null ? null : best.clone();
        finalCandidates = List.copyOf(finalCandidates);
    }

    @Override
    public float[] best() {
        return best == null ? null : best.clone();
    }

    public boolean found() {
        return best != null;
    }
}
