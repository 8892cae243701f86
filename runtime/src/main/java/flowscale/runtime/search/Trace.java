package flowscale.runtime.search;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The record of one search: settings, what was spent, the best reward, every level decision and the
 * timings. {@code parameters} are the method's resolved parameters (N, K, quota, ...).
 */
public record Trace(String method, String sampler, String reward, long budget, long nfe, long rewardCalls,
                    long seed, int promptIndex, int steps, double bestReward, long nonFinite,
                    Map<String, Object> parameters, List<LevelRecord> levels, Timings timings) {
    public Trace {
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        levels = List.copyOf(levels);
    }
}
