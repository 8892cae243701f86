package flowscale.runtime.search;

/** Settings of SVDD ({@code svdd}, {@link BlockwiseSelection#svdd}): CoDe with blocks of one step, so no block length. */
public record SvddSettings(
        @Setting(value = "2", help = "parents") int n,
        @Setting(value = "25", help = "children per parent") int k,
        @Setting(value = "paper", help = "children's start and selection levels, as the paper reads or as the reference code runs")
        BlockwiseSelectionSettings.Variant variant) {
}
