package flowscale.runtime.search;

import flowscale.kernels.Tensor;
import flowscale.runtime.flow.DeviceSampler;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DeviceShards;
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
 * noise streams. Every level decision enters the trace through {@link #record} (and {@link #takeBest}), which
 * stamps it with the spend so far and counts its non-finite rewards, and the method's effective settings enter
 * it from the settings record. It also keeps a copy of the best estimate seen and of the last rewarded batch, so that a
 * search asked to stop ({@link SearchListener#stopRequested()}) can still hand back what it found.
 *
 * <p>Methods hold their particles as {@link Particles}: on the model's device when it has a device path
 * ({@link VelocityModel#device()}), where the steps, estimates and noise then run ({@link DeviceSampler}) and only the
 * estimates the rewards read come back; spread over the devices of a model that has several, each device holding its
 * share ({@link VelocityModel#shards()}); in host arrays otherwise. All give the same floats on host backends.
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
    /** The sampler's estimate mode resolved for the model, and the latent evaluations one estimate costs under it. */
    final Estimate estimate;
    private final int latentsPerEstimate;
    private final long startNanos = System.nanoTime();
    private final List<LevelRecord> levels = new ArrayList<>();
    private final Map<String, Object> settings;
    private final Map<String, Object> parameters = new LinkedHashMap<>();
    private Condition[] conditions = new Condition[0];
    private float[][] finiteScratch = new float[0][];
    private double[] scoreScratch = new double[0];
    private int[] indexScratch = new int[0];
    private long spent;
    private long rewardCalls;
    /**
     * Speculation ({@link #estimateAhead}): NFE of the evaluations made ahead of need and not consumed yet, and the
     * totals never consumed, which the trace records apart from {@link #nfe()} and the reward calls.
     */
    private long pendingNfe;
    private boolean ahead;
    private long speculativeNfe;
    private long speculativeRewardCalls;
    private long pendingRewardCalls;
    private long nonFinite;
    private long modelNanos;
    private long rewardNanos;
    private double bestSoFar = Double.NEGATIVE_INFINITY;
    private final float[] bestX0;
    private boolean haveBest;
    private float[][] lastX0 = new float[0][];
    private double[] lastRewards = new double[0];
    private int lastCount;
    /** The sampler on the model's device, or null when the model has no device path (particles stay on the host). */
    private final DeviceSampler device;
    /**
     * A model spread over devices that all have a device path: the devices, and the sampler on each; null otherwise. Each
     * device then holds its share of every particle set ({@link Particles.Sharded}).
     */
    private final DeviceShards shards;
    private final DeviceSampler[] shardSamplers;
    private float[][] shardStaging = new float[0][];
    private final float[] hostNoise;
    private float[] x0Staging = new float[0];

    /** @param settings the method's effective settings (derived values resolved), recorded in the trace */
    SearchRun(String method, SearchProblem problem, Record settings) {
        this.method = method;
        this.settings = SettingsSchema.valuesOf(settings);
        this.problem = problem;
        this.sampler = problem.sampler();
        this.grid = sampler.grid();
        this.steps = sampler.steps();
        this.model = problem.model();
        this.reward = problem.reward();
        this.dim = model.dim();
        this.perLatent = model.nfePerLatent();
        this.noise = new NoiseStreams(problem.seed(), problem.promptIndex(), problem.noiseScheme());
        this.bestX0 = new float[dim];
        if (perLatent < 1) throw new IllegalStateException("model reports " + perLatent + " NFE per latent");
        this.estimate = sampler.estimate().resolve(model);
        this.latentsPerEstimate = estimate.latentsPerEstimate();
        this.device = model.device() == null ? null : new DeviceSampler(sampler, model);
        this.shards = device == null ? model.shards() : null;
        this.shardSamplers = shards == null ? null : new DeviceSampler[shards.devices()];
        for (int d = 0; shards != null && d < shards.devices(); d++) shardSamplers[d] = new DeviceSampler(sampler, shards.model(d));
        this.hostNoise = new float[dim];
        if (estimate != Estimate.TWEEDIE) parameters.put("estimate", estimate.label());
        problem.listener().started(() -> lastCount == 0 && !haveBest ? null : partial());
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
     * The outputs that drive the steps of {@code n} particles from their own times {@code s} to {@code sNext} (the
     * velocity, or a few-step model's output at that step: {@link Sampler#evaluate}), in ONE batched model call.
     * Throws IllegalStateException if the call would exceed the budget (a planning bug) or if the model
     * counted a different number of NFE than it should.
     */
    void velocity(int n, float[][] x, double[] s, double[] sNext, float[][] out) {
        charge(n, 1, () -> sampler.evaluate(model, n, x, s, sNext, conditions(n), out));
    }

    /**
     * As {@link #velocity}, and the particles' clean estimates there ({@link Sampler#estimate}: Tweedie, or the one-step
     * estimate; {@link #latentsPerEstimate()} latents each), still in ONE batched call.
     */
    void estimate(int n, float[][] x, double[] s, double[] sNext, float[][] u, float[][] x0) {
        charge(n, latentsPerEstimate, () -> sampler.estimate(model, n, x, s, sNext, conditions(n), u, x0));
    }

    /**
     * Speculation: {@link #estimate(int, Particles, double[], double[])} of candidates a method may or may not use, and
     * their rewards, in one batch. Nothing of it counts until {@link #consume} takes rows of it, in the order and
     * groups the method would have evaluated them one call at a time; {@link #discardAhead} then books what was not
     * taken as speculative extra, outside the budget (which bounds what is consumed, plus what is pending).
     */
    void estimateAhead(int n, Particles p, double[] s, double[] sNext, double[] r) {
        ahead = true;
        try {
            estimate(n, p, s, sNext);
        } finally {
            ahead = false;
        }
        long t0 = System.nanoTime();
        pendingRewardCalls += score(n, p.x0, r);
        rewardNanos += System.nanoTime() - t0;
    }

    /**
     * Rows {@code [from, from + n)} of the last {@link #estimateAhead} batch are used now: their NFE and reward calls
     * are charged and their rewards seen (best so far, last batch, non-finite count) exactly as {@link #rewards} of
     * those rows alone would have.
     */
    void consume(int from, int n, float[][] x0, double[] r) {
        long cost = (long) n * latentsPerEstimate * perLatent;
        if (cost > pendingNfe) throw new IllegalStateException(method + " consumed " + cost + " NFE of " + pendingNfe + " evaluated ahead");
        pendingNfe -= cost;
        spent += cost;
        int calls = 0;
        for (int i = from; i < from + n; i++) if (allFinite(x0[i])) calls++;
        pendingRewardCalls -= calls;
        rewardCalls += calls;
        seen(from, n, x0, r);
    }

    /** The evaluations made ahead and not consumed become speculative extra (recorded in the trace). */
    void discardAhead() {
        speculativeNfe += pendingNfe;
        speculativeRewardCalls += pendingRewardCalls;
        pendingNfe = 0;
        pendingRewardCalls = 0;
    }

    /** Latent evaluations one clean estimate costs: 2 for a faithful one-step estimate, else 1. */
    int latentsPerEstimate() {
        return latentsPerEstimate;
    }

    // ---------------------------------------------------------------- particles (host arrays or device rows)

    /**
     * {@code n} particles for the method's use {@code name} (unique within the method): rows of the model's reused device
     * buffers when it has a device path, host arrays otherwise.
     */
    Particles particles(String name, int n) {
        String key = method + "." + name;
        if (shards != null) {
            int[] bounds = shards.split(n);
            Tensor[] x = new Tensor[shards.devices()], u = new Tensor[shards.devices()];
            for (int d = 0; d < x.length; d++) {
                var buffers = shards.model(d).device();
                x[d] = buffers.rows(key + ".x", bounds[d + 1] - bounds[d]);
                u[d] = buffers.rows(key + ".u", bounds[d + 1] - bounds[d]);
            }
            return new Particles.Sharded(n, dim, bounds, x, u);
        }
        if (device == null) return new Particles.Host(n, dim);
        var buffers = model.device();
        return new Particles.Device(n, dim, buffers.rows(key + ".x", n), buffers.rows(key + ".u", n));
    }

    /** One device's share of a call over particles {@code [0, n)}: rows {@code [lo, lo + count)} of the set. */
    @FunctionalInterface
    private interface ShardWork {
        void run(int device, int lo, int count, Condition[] cond);
    }

    /**
     * A model call over particles {@code [0, n)} of {@code p} ({@code latents} latents each), every device running its
     * share at once on its own rows.
     */
    private void onShards(int n, int latents, Particles.Sharded p, ShardWork work) {
        Condition[] all = conditions(n);
        boolean[] active = new boolean[shards.devices()];
        for (int d = 0; d < active.length; d++) active[d] = p.count(d, n) > 0;
        charge(n, latents, () -> shards.run(active, d -> {
            int lo = p.bounds[d], count = p.count(d, n);
            work.run(d, lo, count, Arrays.copyOfRange(all, lo, lo + count));
        }, (long) n * latents));
    }

    private static double[] slice(double[] a, int lo, int count) {
        return Arrays.copyOfRange(a, lo, lo + count);
    }

    /** The sampler on the device that holds row {@code row} of {@code p}. */
    private DeviceSampler samplerOf(Particles.Sharded p, int row) {
        return shardSamplers[p.device(row)];
    }

    /** The latent of particle {@code row} of {@code p} becomes the normals of stream (purpose, particle, level, candidate). */
    void normal(NoiseStreams.Purpose purpose, int particle, int level, int candidate, Particles p, int row) {
        switch (p) {
            case Particles.Host h -> noise.normal(purpose, particle, level, candidate, h.x[row]);
            case Particles.Device d -> noise.normal(purpose, particle, level, candidate, d.x(row));
            case Particles.Sharded d -> noise.normal(purpose, particle, level, candidate, d.x(row));
        }
    }

    /** {@link #velocity(int, float[][], double[], double[], float[][])} of particles {@code [0, n)} of {@code p}, into their outputs. */
    void velocity(int n, Particles p, double[] s, double[] sNext) {
        switch (p) {
            case Particles.Host h -> velocity(n, h.x, s, sNext, h.u);
            case Particles.Device d -> charge(n, 1, () -> device.evaluate(n, d.x, s, sNext, conditions(n), d.u));
            case Particles.Sharded d -> onShards(n, 1, d, (dev, lo, count, cond) ->
                    shardSamplers[dev].evaluate(count, d.x[dev], slice(s, lo, count), slice(sNext, lo, count), cond, d.u[dev]));
        }
    }

    /**
     * {@link #estimate(int, float[][], double[], double[], float[][], float[][])} of particles {@code [0, n)} of {@code p}:
     * their outputs and clean estimates in ONE batched call. On the device the estimates come back in one download.
     */
    void estimate(int n, Particles p, double[] s, double[] sNext) {
        switch (p) {
            case Particles.Host h -> estimate(n, h.x, s, sNext, h.u, h.x0);
            case Particles.Device d -> charge(n, latentsPerEstimate, () -> {
                Tensor x0 = model.device().rows("search.x0", n);
                device.estimate(n, d.x, s, sNext, conditions(n), d.u, x0);
                if (x0Staging.length < n * dim) x0Staging = new float[n * dim];
                device.backend().download(x0, x0Staging, 0);
                for (int i = 0; i < n; i++) System.arraycopy(x0Staging, i * dim, d.x0[i], 0, dim);
            });
            case Particles.Sharded d -> {
                if (shardStaging.length < shards.devices()) shardStaging = new float[shards.devices()][0];
                onShards(n, latentsPerEstimate, d, (dev, lo, count, cond) -> {
                    Tensor x0 = shards.model(dev).device().rows("search.x0", count);
                    shardSamplers[dev].estimate(count, d.x[dev], slice(s, lo, count), slice(sNext, lo, count), cond, d.u[dev], x0);
                    if (shardStaging[dev].length < count * dim) shardStaging[dev] = new float[count * dim];
                    float[] staging = shardStaging[dev];
                    shardSamplers[dev].backend().download(x0, staging, 0);
                    for (int i = 0; i < count; i++) System.arraycopy(staging, i * dim, d.x0[lo + i], 0, dim);
                });
            }
        }
    }

    /**
     * One step of particle {@code row} of {@code from} from {@code s} to {@code sNext} with the noise of stream (STEP,
     * particle, level, candidate), into the latent of particle {@code toRow} of {@code to} ({@link Sampler#step}).
     */
    void step(Particles from, int row, double s, double sNext, int particle, int level, int candidate, Particles to, int toRow) {
        switch (from) {
            case Particles.Host h -> sampler.step(h.x[row], h.u[row], s, sNext, stepNoise(particle, level, candidate, hostNoise),
                    ((Particles.Host) to).x[toRow]);
            case Particles.Device d -> {
                Tensor z = null;
                if (sampler.stochastic()) {
                    z = model.device().rows("search.z", 1);
                    noise.normal(NoiseStreams.Purpose.STEP, particle, level, candidate, z);
                }
                device.step(d.x(row), d.u(row), s, sNext, z, ((Particles.Device) to).x(toRow));
            }
            case Particles.Sharded d -> {
                DeviceSampler on = samplerOf(d, row);
                Tensor z = null;
                if (sampler.stochastic()) {
                    z = shards.model(d.device(row)).device().rows("search.z", 1);
                    noise.normal(NoiseStreams.Purpose.STEP, particle, level, candidate, z);
                }
                Tensor target = ((Particles.Sharded) to).x(toRow);
                if (target.backend() == on.backend()) {
                    on.step(d.x(row), d.u(row), s, sNext, z, target);
                } else { // the row's device steps it, then it moves
                    Tensor moved = shards.model(d.device(row)).device().rows("search.moved", 1);
                    on.step(d.x(row), d.u(row), s, sNext, z, moved);
                    Particles.Sharded.move(moved, target);
                }
            }
        }
    }

    /**
     * Euler steps of the probability-flow ODE, {@code x <- x - dt u} in place, for particles {@code [0, n)} of {@code p}
     * (Search over Paths' own solver; on the device one {@code combine} whose {@code 1 x + (-dt) u} rounds as the host's).
     */
    void euler(int n, Particles p, double dt) {
        switch (p) {
            case Particles.Host h -> {
                for (int a = 0; a < n; a++) {
                    float[] xa = h.x[a], ua = h.u[a];
                    for (int j = 0; j < xa.length; j++) xa[j] = (float) (xa[j] - dt * ua[j]);
                }
            }
            case Particles.Device d -> device.backend().combine(1.0, d.x.rowRange(0, n), -dt, d.u.rowRange(0, n), 0.0, null,
                    d.x.rowRange(0, n));
            case Particles.Sharded d -> {
                for (int dev = 0; dev < shardSamplers.length; dev++) {
                    int count = d.count(dev, n);
                    if (count == 0) continue;
                    shardSamplers[dev].backend().combine(1.0, d.x[dev].rowRange(0, count), -dt, d.u[dev].rowRange(0, count), 0.0,
                            null, d.x[dev].rowRange(0, count));
                }
            }
        }
    }

    /**
     * The sampler path's forward noising of particle {@code row} of {@code from} from {@code s} up to {@code sUp}
     * ({@link Sampler#forwardNoise}) with the noise of stream (FORWARD, particle, level, candidate), into the latent of
     * particle {@code toRow} of {@code to}.
     */
    void forwardNoise(Particles from, int row, double s, double sUp, int particle, int level, int candidate, Particles to, int toRow) {
        switch (from) {
            case Particles.Host h -> {
                noise.normal(NoiseStreams.Purpose.FORWARD, particle, level, candidate, hostNoise);
                sampler.forwardNoise(h.x[row], s, sUp, hostNoise, ((Particles.Host) to).x[toRow]);
            }
            case Particles.Device d -> {
                Tensor z = model.device().rows("search.z", 1);
                noise.normal(NoiseStreams.Purpose.FORWARD, particle, level, candidate, z);
                device.forwardNoise(d.x(row), s, sUp, z, ((Particles.Device) to).x(toRow));
            }
            case Particles.Sharded d -> {
                DeviceSampler on = samplerOf(d, row);
                var buffers = shards.model(d.device(row)).device();
                Tensor z = buffers.rows("search.z", 1);
                noise.normal(NoiseStreams.Purpose.FORWARD, particle, level, candidate, z);
                Tensor target = ((Particles.Sharded) to).x(toRow);
                if (target.backend() == on.backend()) {
                    on.forwardNoise(d.x(row), s, sUp, z, target);
                } else {
                    Tensor moved = buffers.rows("search.moved", 1);
                    on.forwardNoise(d.x(row), s, sUp, z, moved);
                    Particles.Sharded.move(moved, target);
                }
            }
        }
    }

    /** Runs one model call of {@code n * latents} latent evaluations, checked against the budget and the model's count. */
    private void charge(int n, int latents, Runnable call) {
        long cost = (long) n * latents * perLatent;
        if (spent + pendingNfe + cost > problem.budget()) {
            throw new IllegalStateException(method + " would exceed its budget: " + (spent + pendingNfe) + " + " + cost + " > "
                    + problem.budget());
        }
        long before = model.nfe();
        long t0 = System.nanoTime();
        call.run();
        modelNanos += System.nanoTime() - t0;
        long used = model.nfe() - before;
        if (used != cost) {
            throw new IllegalStateException("model counted " + used + " NFE for " + (long) n * latents + " latents, expected " + cost);
        }
        if (ahead) pendingNfe += used;
        else spent += used;
    }

    /**
     * Rewards of {@code n} clean estimates. An estimate with any non-finite coordinate is not shown to the
     * reward; it and any non-finite reward become negative infinity, which no selection ever takes.
     *
     * @return how many of the n were non-finite
     */
    int rewards(int n, float[][] x0, double[] out) {
        long t0 = System.nanoTime();
        rewardCalls += score(n, x0, out);
        rewardNanos += System.nanoTime() - t0;
        return seen(0, n, x0, out);
    }

    /** The rewards of {@code n} estimates into {@code out} (negative infinity for a non-finite one); returns the reward calls made. */
    private int score(int n, float[][] x0, double[] out) {
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
            reward.score(m, finiteScratch, conditions(m), scoreScratch);
            for (int j = 0; j < m; j++) {
                double r = scoreScratch[j];
                out[indexScratch[j]] = Double.isFinite(r) ? r : Double.NEGATIVE_INFINITY;
            }
        }
        Arrays.fill(finiteScratch, 0, m, null);
        return m;
    }

    /** The run sees rewards {@code r[from, from + n)} of estimates {@code x0}: best so far, the last batch, non-finite count. */
    private int seen(int from, int n, float[][] x0, double[] r) {
        int bad = 0;
        for (int i = from; i < from + n; i++) {
            if (r[i] == Double.NEGATIVE_INFINITY) {
                bad++;
            } else if (r[i] > bestSoFar) {
                bestSoFar = r[i];
                System.arraycopy(x0[i], 0, bestX0, 0, dim);
                haveBest = true;
            }
        }
        keepLastBatch(from, n, x0, r);
        nonFinite += bad;
        return bad;
    }

    /**
     * Tells the listener where the run is (after each batched call), then stops the search if it asks to:
     * a batch boundary, where every estimate rewarded so far is complete.
     */
    void report() {
        SearchListener listener = problem.listener();
        listener.progress(spent, problem.budget(), bestSoFar);
        if (listener.stopRequested()) throw new SearchInterrupted(partial());
    }

    /** The best estimate seen so far and the last rewarded batch, with the trace up to now marked interrupted. */
    private SearchResult partial() {
        List<Candidate> finals = new ArrayList<>(lastCount);
        for (int i = 0; i < lastCount; i++) finals.add(new Candidate(lastX0[i], lastRewards[i]));
        return result(haveBest ? bestX0 : null, bestSoFar, finals, true);
    }

    /** Copies of the batch just rewarded: the methods reuse their buffers, and a stop may come before the next batch. */
    private void keepLastBatch(int from, int n, float[][] x0, double[] r) {
        if (lastX0.length < n) {
            float[][] grown = Arrays.copyOf(lastX0, n);
            for (int i = lastX0.length; i < n; i++) grown[i] = new float[dim];
            lastX0 = grown;
            lastRewards = new double[n];
        }
        for (int i = 0; i < n; i++) System.arraycopy(x0[from + i], 0, lastX0[i], 0, dim);
        System.arraycopy(r, from, lastRewards, 0, n);
        lastCount = n;
    }

    /**
     * Records one decision: the rewards of the candidates drawn (negative infinity = non-finite, counted here), the
     * one accepted ({@code -1} none) and why, stamped with the NFE and reward calls spent so far.
     */
    void record(int level, int chain, double s, double[] rewards, int accepted, LevelRecord.Reason reason) {
        record(level, chain, s, rewards, accepted, reason, Double.NaN, null);
    }

    /** As {@link #record(int, int, double, double[], int, LevelRecord.Reason)}, with SMC's ESS and ancestors. */
    void record(int level, int chain, double s, double[] rewards, int accepted, LevelRecord.Reason reason,
                double ess, int[] ancestors) {
        int bad = 0;
        for (double r : rewards) if (r == Double.NEGATIVE_INFINITY) bad++;
        levels.add(new LevelRecord(level, chain, s, rewards, accepted, reason, spent, rewardCalls, bad, ess, ancestors));
    }

    /**
     * Takes the best of the candidates {@code r[from, to)} (the first one when none is finite: it is carried on but
     * never selected), records the decision as {@code reason} (or NONE_FINITE) and returns the index taken.
     */
    int takeBest(int level, int chain, double s, double[] r, int from, int to, LevelRecord.Reason reason) {
        int best = argmax(r, from, to);
        int taken = best < 0 ? from : best;
        record(level, chain, s, Arrays.copyOfRange(r, from, to), taken - from, best < 0 ? LevelRecord.Reason.NONE_FINITE : reason);
        return taken;
    }

    /** The Philox stream's z, or null when the sampler is deterministic (its step ignores z). */
    private float[] stepNoise(int particle, int level, int candidate, float[] z) {
        if (!sampler.stochastic()) return null;
        noise.normal(NoiseStreams.Purpose.STEP, particle, level, candidate, z);
        return z;
    }

    SearchResult finish(float[] best, double bestReward, List<Candidate> finals) {
        if (best != null && !(Double.isFinite(bestReward) && allFinite(best))) {
            throw new IllegalStateException(method + " selected a non-finite result");
        }
        return result(best, bestReward, finals, false);
    }

    /** Finishes with the best of the {@code n} final estimates {@code x0} by reward {@code r}, all of them the finals. */
    SearchResult finishBest(float[][] x0, double[] r, int n) {
        int best = argmax(r, 0, n);
        List<Candidate> finals = new ArrayList<>(n);
        for (int i = 0; i < n; i++) finals.add(new Candidate(x0[i], r[i]));
        return finish(best < 0 ? null : x0[best], best < 0 ? Double.NEGATIVE_INFINITY : r[best], finals);
    }

    private SearchResult result(float[] best, double bestReward, List<Candidate> finals, boolean interrupted) {
        long total = System.nanoTime() - startNanos;
        if (speculativeNfe + pendingNfe > 0) {
            parameters.put("speculativeNfe", speculativeNfe + pendingNfe);
            parameters.put("speculativeRewardCalls", speculativeRewardCalls + pendingRewardCalls);
        }
        double r = best == null ? Double.NEGATIVE_INFINITY : bestReward;
        Trace trace = new Trace(method, sampler.name(), reward.name(), problem.budget(), spent, rewardCalls,
                problem.seed(), problem.promptIndex(), steps, r, nonFinite, settings, parameters, levels,
                new Timings(total, modelNanos, rewardNanos), interrupted, problem.noiseScheme().id());
        return new SearchResult(best, r, finals, trace);
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
