package flowscale.runtime.search;

/** Settings of Rollover Budget Forcing ({@code rbf}, {@link RolloverBudgetForcing}). */
public record RolloverBudgetForcingSettings(
        @Setting(value = "2", help = "chains") int n,
        @Setting(value = "25", help = "initial candidates per chain (variant code)") int init,
        @Setting(value = "code", help = "control flow, the reference code or the paper's Alg. 2") Variant variant,
        @Setting(value = "1", max = 64, help = "candidates per chain evaluated in one call ahead of need (variant code); "
                + "the result and NFE are those of 1, the unused extra is recorded as speculativeNfe") int speculate) {

    /** The two control flows of RBF (method.md §5.6). */
    public enum Variant {
        /** the reference code's {@code rbf.py} */
        CODE,
        /** the paper's Alg. 2 */
        PAPER
    }

    /** The defaults, e.g. for a harness that scales {@code init} with the budget. */
    public static RolloverBudgetForcingSettings defaults() {
        return SettingsSchema.of(RolloverBudgetForcingSettings.class).defaults();
    }
}
