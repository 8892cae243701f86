package flowscale.runtime.search;

/** Settings of CoDe ({@code code}, {@link BlockwiseSelection}). */
public record BlockwiseSelectionSettings(
        @Setting(value = "2", help = "parents") int n,
        @Setting(value = "25", help = "children per parent") int k,
        @Setting(value = "2", help = "block length in steps") int l,
        @Setting(value = "paper", help = "children's start and selection levels, as the paper reads or as the reference code runs")
        Variant variant) {

    /** Where children start and at which grid levels they are selected (CoDe and SVDD alike). */
    public enum Variant {
        /**
         * The paper's reading: each parent starts K distinct initial noises; a block ends after every L evaluations
         * (grid levels L - 1, 2L - 1, ...) and at the last.
         */
        PAPER,
        /**
         * The reference code ({@code general_trainer.py}): each parent's one initial noise is copied to its K children;
         * a block ends at the levels that are positive multiples of L (the even levels for L = 2) and at the last.
         */
        CODE
    }
}
