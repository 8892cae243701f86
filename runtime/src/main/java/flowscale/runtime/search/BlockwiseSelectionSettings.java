package flowscale.runtime.search;

/** Settings of CoDe ({@code code}, {@link BlockwiseSelection}). */
public record BlockwiseSelectionSettings(
        @Setting(value = "2", help = "parents") int n,
        @Setting(value = "25", help = "children per parent") int k,
        @Setting(value = "2", help = "block length in steps") int l) {
}
