package flowscale.bench.experiments;

import flowscale.kernels.NoiseScheme;
import flowscale.runtime.data.Prompt;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.reward.Rewards;
import flowscale.runtime.search.SearchListener;
import flowscale.runtime.search.SearchMethod;
import flowscale.runtime.search.SearchMethods;
import flowscale.runtime.search.SearchProblem;
import flowscale.runtime.search.SearchResult;
import flowscale.runtime.search.Timings;

/**
 * Runs one cell on one prompt: the search maximises the run's reward (counting, −RSS, or composition); its output
 * is then scored again with that reward and with the held-out metric, which the search never saw. A returned sample
 * is a success ("exact") when the reward is at its optimum: every count right (counting: RSS = 0) or every group
 * matched with nothing else in the image (composition = 1).
 *
 * <p>Searches draw their noise with {@link NoiseScheme#COMMITTED_TABLES} (Box–Muller), not the generate default: the
 * tables in bench/results were made with it, and a run resumed into their directory must add rows of the same noise.
 */
final class CellRunner {
    private final VelocityModel model;
    private final String modelId;
    private final long seed;
    private final Reward searchReward;
    private final Reward rescore;
    private final double optimum;
    private final Reward heldOut = Rewards.named("heldout");

    VelocityModel model() {
        return model;
    }

    CellRunner(VelocityModel model, String modelId, long seed) {
        this(model, modelId, seed, "counting");
    }

    /** @param reward {@code counting} or {@code composition} */
    CellRunner(VelocityModel model, String modelId, long seed, String reward) {
        this.model = model;
        this.modelId = modelId;
        this.seed = seed;
        this.optimum = switch (reward) {
            case "counting" -> 0.0;
            case "composition" -> 1.0;
            default -> throw new IllegalArgumentException("the experiments search the counting or the composition reward, not '"
                    + reward + "'");
        };
        this.searchReward = Rewards.named(reward);
        this.rescore = Rewards.named(reward);
    }

    String rowKey(Cell cell, int promptIndex) {
        return ResultRow.key(modelId, seed, cell.key(), promptIndex);
    }

    /** Runs the cell's search on {@code view}: the model, or this search's view of shared calls (SearchBatch). */
    ResultRow run(VelocityModel view, Cell cell, int promptIndex, Prompt prompt) {
        Condition cond = prompt.toCondition();
        SearchResult res;
        try {
            Sampler sampler = Sampler.named(cell.sampler());
            if (cell.estimate() != null) sampler = sampler.withEstimate(Estimate.parse(cell.estimate()).resolve(view));
            SearchMethod method = SearchMethods.create(cell.method(), cell.config());
            res = method.run(new SearchProblem(view, sampler, searchReward, cond, cell.budget(), seed, promptIndex,
                    SearchListener.NONE).withNoiseScheme(NoiseScheme.COMMITTED_TABLES));
        } catch (IllegalArgumentException e) {
            // the method rejects this configuration (e.g. a budget below its minimum): a table cell marked n/a
            return row(cell, promptIndex, prompt, ResultRow.NOT_APPLICABLE, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, 0, 0, 0, 0, new Timings(0, 0, 0), e.getMessage());
        }
        Timings t = res.trace().timings();
        double diversity = Diversity.meanPairwiseRms(res.finalCandidates());
        if (!res.found()) {
            return row(cell, promptIndex, prompt, ResultRow.NO_OUTPUT, Double.NaN, Double.NaN, Double.NaN, diversity,
                    res.finalCandidates().size(), res.trace().nfe(), res.trace().rewardCalls(), res.trace().nonFinite(), t,
                    "no candidate had a finite estimate and reward");
        }
        float[][] best = {res.best()};
        Condition[] conds = {cond};
        double[] score = new double[1];
        rescore.score(1, best, conds, score);
        double reward = score[0];
        heldOut.score(1, best, conds, score);
        double held = score[0];
        return row(cell, promptIndex, prompt, ResultRow.OK, reward, held, reward == optimum ? 1.0 : 0.0, diversity,
                res.finalCandidates().size(), res.trace().nfe(), res.trace().rewardCalls(), res.trace().nonFinite(), t, "");
    }

    private ResultRow row(Cell cell, int promptIndex, Prompt prompt, String status, double reward, double held,
                          double exact, double diversity, int finals, long nfe, long rewardCalls, long nonFinite,
                          Timings t, String note) {
        return new ResultRow(modelId, seed, cell.method(), cell.sampler(), cell.budget(), cell.optionText(), promptIndex,
                prompt.canonical(), status, reward, held, exact, diversity, finals, nfe, rewardCalls, nonFinite,
                t.totalNanos() / 1e6, t.modelNanos() / 1e6, t.rewardNanos() / 1e6, note);
    }
}
