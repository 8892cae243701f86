package flowscale.runtime.search;

/** Settings of SVDD ({@code svdd}, {@link BlockwiseSelection#svdd}): CoDe with blocks of one step, so no block length. */
public record SvddSettings(
        @Setting(value = "2", help = "parents") int n,
        @Setting(value = "25", help = "children per parent") int k) {
}
