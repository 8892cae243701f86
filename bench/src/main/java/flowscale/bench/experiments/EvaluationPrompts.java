package flowscale.bench.experiments;

import flowscale.runtime.data.Prompt;
import flowscale.runtime.data.ShapesWorld;

import java.util.List;

/**
 * The fixed prompts of the experiments: {@link ShapesWorld#heldOutPrompts} with the constant {@link #SEED},
 * i.e. from the world's held-out seed domain, which training scenes never draw from. Each prompt has 1-3
 * groups (counts 1-4, at most 8 objects). The first N of the sequence are used, so a run with more prompts
 * extends a run with fewer and the two stay comparable.
 */
public final class EvaluationPrompts {
    /** Seed of the experiment prompts (the paper's arXiv number, 2503.19385, as a plain constant). */
    public static final long SEED = 250_319_385L;

    private EvaluationPrompts() {}

    /** The first {@code n} experiment prompts. */
    public static List<Prompt> first(int n) {
        if (n < 1) throw new IllegalArgumentException("need at least 1 prompt, got " + n);
        return ShapesWorld.heldOutPrompts(n, SEED);
    }
}
