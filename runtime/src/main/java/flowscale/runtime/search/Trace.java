package flowscale.runtime.search;

import flowscale.kernels.NoiseScheme;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The record of one search: settings, what was spent, the best reward, every level decision and the
 * timings. {@code settings} are the method's effective settings by {@code --search-opt} key, generated from its
 * settings record ({@link SettingsSchema}); {@code parameters} are the quantities the run resolved (N, K, quota,
 * ...). {@code interrupted} is true when the search was asked to stop early ({@link StopFlag}); its levels then
 * end where it stopped. {@code noiseScheme} names how the noise streams' words became normals
 * ({@link NoiseScheme#id()}): the seed alone does not reproduce a run without it.
 */
public record Trace(String method, String sampler, String reward, long budget, long nfe, long rewardCalls,
                    long seed, int promptIndex, int steps, double bestReward, long nonFinite, Map<String, Object> settings,
                    Map<String, Object> parameters, List<LevelRecord> levels, Timings timings, boolean interrupted,
                    String noiseScheme) {
    public Trace {
        Objects.requireNonNull(noiseScheme, "noiseScheme");
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        levels = List.copyOf(levels);
    }

    /** A trace of noise drawn with the default scheme. */
    public Trace(String method, String sampler, String reward, long budget, long nfe, long rewardCalls,
                 long seed, int promptIndex, int steps, double bestReward, long nonFinite, Map<String, Object> settings,
                 Map<String, Object> parameters, List<LevelRecord> levels, Timings timings, boolean interrupted) {
        this(method, sampler, reward, budget, nfe, rewardCalls, seed, promptIndex, steps, bestReward, nonFinite, settings,
                parameters, levels, timings, interrupted, NoiseScheme.DEFAULT.id());
    }

    /** A trace with no settings recorded. */
    public Trace(String method, String sampler, String reward, long budget, long nfe, long rewardCalls,
                 long seed, int promptIndex, int steps, double bestReward, long nonFinite,
                 Map<String, Object> parameters, List<LevelRecord> levels, Timings timings, boolean interrupted) {
        this(method, sampler, reward, budget, nfe, rewardCalls, seed, promptIndex, steps, bestReward, nonFinite, Map.of(),
                parameters, levels, timings, interrupted);
    }

    /** The trace of a search that ran to its end, with no settings recorded. */
    public Trace(String method, String sampler, String reward, long budget, long nfe, long rewardCalls,
                 long seed, int promptIndex, int steps, double bestReward, long nonFinite,
                 Map<String, Object> parameters, List<LevelRecord> levels, Timings timings) {
        this(method, sampler, reward, budget, nfe, rewardCalls, seed, promptIndex, steps, bestReward, nonFinite,
                parameters, levels, timings, false);
    }
}
