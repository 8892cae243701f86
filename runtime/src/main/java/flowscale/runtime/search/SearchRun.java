package flowscale.runtime.search;

import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Reward;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state every search method shares while it runs: NFE and reward accounting (the budget is checked
 * before every model call and the model's own counter is checked after it), the guard that keeps
 * non-finite estimates and rewards out of every selection, phase timings, the trace being built and the
 * noise streams.
 */
final class SearchRun {
    final SearchProblem problem;
    final Sampler sampler;
    final double[] grid;
    final int steps;
    final int dim;
    final NoiseStreams noise;
    private final String method;
    private final VelocityModel model;
    private final Reward reward;
    private final int perLatent;
    private final long startNanos = System.nanoTime();
    private final List<LevelRecord> levels = new ArrayList<>();
    private final Map<String, Object> parameters = new LinkedHashMap<>();
    private Condition[] conditions = new Condition[0];
    private float[][] finiteScratch = new float[0][];
    private double[] scoreScratch = new double[0];
    private int[] indexScratch = new int[0];
    private long spent;
    private long rewardCalls;
    private long nonFinite;
    private long modelNanos;
    private long rewardNanos;
    private double bestSoFar = Double.NEGATIVE_INFINITY;

    SearchRun(String method, SearchProblem problem) {
        this.method = method;
        this.problem = problem;
        this.sampler = problem.sampler();
        this.grid = sampler.grid();
        this.steps = sampler.steps();
        this.model = problem.model();
        this.reward = problem.reward();
        this.dim = model.dim();
        this.perLatent = model.nfePerLatent();
        this.noise = new NoiseStreams(problem.seed(), problem.promptIndex());
        if (perLatent < 1) throw new IllegalStateException("model reports " + perLatent + " NFE per latent");
    }

    /** Latent evaluations still affordable. */
    long evaluationsLeft() {
        return (problem.budget() - spent) / perLatent;
    }

    long nfe() {
        return spent;
    }

    long rewardCalls() {
        return rewardCalls;
    }

    void parameter(String name, Object value) {
        parameters.put(name, value);
    }

    /**
     * Sampling-path velocities of {@code n} particles at their own times, in ONE batched model call.
     * Throws IllegalStateException if the call would exceed the budget (a planning bug) or if the model
     * counted a different number of NFE than it should.
     */
    void velocity(int n, float[][] x, double[] s, float[][] out) {
        long cost = (long) n * perLatent;
        if (spent + cost > problem.budget()) {
            throw new IllegalStateException(method + " would exceed its budget: " + spent + " + " + cost + " > " + problem.budget());
        }
        long before = model.nfe();
        long t0 = System.nanoTime();
        sampler.velocity(model, n, x, s, conditions(n), out);
        modelNanos += System.nanoTime() - t0;
        long used = model.nfe() - before;
        if (used != cost) {
            throw new IllegalStateException("model counted " + used + " NFE for " + n + " latents, expected " + cost);
        }
        spent += used;
    }

    /**
     * Rewards of {@code n} clean estimates. An estimate with any non-finite coordinate is not shown to the
     * reward; it and any non-finite reward become negative infinity, which no selection ever takes.
     *
     * @return how many of the n were non-finite
     */
    int rewards(int n, float[][] x0, double[] out) {
        ensureScratch(n);
        int m = 0;
        for (int i = 0; i < n; i++) {
            out[i] = Double.NEGATIVE_INFINITY;
            if (allFinite(x0[i])) {
                finiteScratch[m] = x0[i];
                indexScratch[m++] = i;
            }
        }
        if (m > 0) {
            long t0 = System.nanoTime();
            reward.score(m, finiteScratch, conditions(m), scoreScratch);
            rewardNanos += System.nanoTime() - t0;
            rewardCalls += m;
            for (int j = 0; j < m; j++) {
                double r = scoreScratch[j];
                out[indexScratch[j]] = Double.isFinite(r) ? r : Double.NEGATIVE_INFINITY;
            }
        }
        Arrays.fill(finiteScratch, 0, m, null);
        int bad = 0;
        for (int i = 0; i < n; i++) {
            if (out[i] == Double.NEGATIVE_INFINITY) bad++;
            else if (out[i] > bestSoFar) bestSoFar = out[i];
        }
        nonFinite += bad;
        return bad;
    }

    /** Tells the listener where the run is (after each batched call). */
    void report() {
        problem.listener().progress(spent, problem.budget(), bestSoFar);
    }

    void record(LevelRecord r) {
        levels.add(r);
    }

    /** The Philox stream's z, or null when the sampler is deterministic (its step ignores z). */
    float[] stepNoise(int particle, int level, int candidate, float[] z) {
        if (!sampler.stochastic()) return null;
        noise.normal(NoiseStreams.Purpose.STEP, particle, level, candidate, z);
        return z;
    }

    SearchResult finish(float[] best, double bestReward, List<Candidate> finals) {
        if (best != null && !(Double.isFinite(bestReward) && allFinite(best))) {
            throw new IllegalStateException(method + " selected a non-finite result");
        }
        long total = System.nanoTime() - startNanos;
        Trace trace = new Trace(method, sampler.name(), reward.name(), problem.budget(), spent, rewardCalls,
                problem.seed(), problem.promptIndex(), steps, best == null ? Double.NEGATIVE_INFINITY : bestReward,
                nonFinite, parameters, levels, new Timings(total, modelNanos, rewardNanos));
        return new SearchResult(best, best == null ? Double.NEGATIVE_INFINITY : bestReward, finals, trace);
    }

    static boolean allFinite(float[] v) {
        for (float f : v) {
            if (!Float.isFinite(f)) return false;
        }
        return true;
    }

    /** Index of the first maximum among finite values, or -1 if none is finite. Ties keep the first. */
    static int argmax(double[] r, int from, int to) {
        int best = -1;
        for (int i = from; i < to; i++) {
            if (r[i] != Double.NEGATIVE_INFINITY && (best < 0 || r[i] > r[best])) best = i;
        }
        return best;
    }

    static float[][] buffers(int n, int dim) {
        return new float[n][dim];
    }

    private Condition[] conditions(int n) {
        if (conditions.length < n) {
            conditions = new Condition[n];
            Arrays.fill(conditions, problem.condition());
        }
        return conditions;
    }

    private void ensureScratch(int n) {
        if (finiteScratch.length < n) {
            finiteScratch = new float[n][];
            scoreScratch = new double[n];
            indexScratch = new int[n];
        }
    }
}
