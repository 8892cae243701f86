package flowscale.runtime.search;

import java.util.OptionalInt;

/**
 * Settings of SMC ({@code smc}, {@link SequentialMonteCarlo}). The temperature defaults to the reference code's 1.0;
 * the paper's β = 0.1 is {@code lambda=0.1} (or {@code beta=0.1}).
 */
public record SequentialMonteCarloSettings(
        @Setting(derived = "budget/M", help = "particles") OptionalInt n,
        @Setting(value = "1.0", min = 0, minOpen = true, max = Double.MAX_VALUE, aliases = "beta",
                help = "temperature, weights exp(r / lambda)") double lambda,
        @Setting(value = "1.0", min = 0, max = 1, help = "resample when ESS < this fraction of n") double essThreshold) {
}
