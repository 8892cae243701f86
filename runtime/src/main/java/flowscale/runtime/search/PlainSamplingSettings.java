package flowscale.runtime.search;

/** Settings of plain sampling ({@code none}, {@link PlainSampling}). */
public record PlainSamplingSettings(
        @Setting(value = "1", help = "trajectories, the best by reward returned") int n) {
}
