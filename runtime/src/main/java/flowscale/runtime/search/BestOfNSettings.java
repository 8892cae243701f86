package flowscale.runtime.search;

import java.util.OptionalInt;

/** Settings of Best-of-N ({@code bon}, {@link BestOfN}). */
public record BestOfNSettings(
        @Setting(derived = "budget/M", help = "trajectories, each rewarded once at the end") OptionalInt n) {
}
