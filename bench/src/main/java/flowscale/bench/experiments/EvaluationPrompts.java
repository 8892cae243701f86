package flowscale.bench.experiments;

import flowscale.runtime.data.Prompt;
import flowscale.runtime.data.ShapesWorld;

import java.util.List;

/**
 * The fixed prompt sets of the experiments, both from the world's held-out seed domains (training scenes never draw
 * from them), with the constant {@link #SEED}. The first N of a set are used, so a run with more prompts extends a
 * run with fewer and the two stay comparable.
 *
 * <ul>
 *   <li>{@code easy}: {@link ShapesWorld#heldOutPrompts}: 1-3 groups (counts 1-4, at most 8 objects), drawn as the
 *       training prompts are.</li>
 *   <li>{@code hard}: {@link ShapesWorld#hardHeldOutPrompts}: three groups with {@link ShapesWorld#HARD_MIN_OBJECTS}
 *       objects or more: a benchmark with headroom, on which Best-of-N does not sit at its ceiling.</li>
 * </ul>
 */
public final class EvaluationPrompts {
    /** Seed of the experiment prompts (the paper's arXiv number, 2503.19385, as a plain constant). */
    public static final long SEED = 250_319_385L;
    /** The names of the sets. */
    public static final List<String> SETS = List.of("easy", "hard");

    private EvaluationPrompts() {}

    /** The first {@code n} prompts of the easy set. */
    public static List<Prompt> first(int n) {
        return first("easy", n);
    }

    /** The first {@code n} prompts of the set called {@code set}. */
    public static List<Prompt> first(String set, int n) {
        if (n < 1) throw new IllegalArgumentException("need at least 1 prompt, got " + n);
        return switch (set) {
            case "easy" -> ShapesWorld.heldOutPrompts(n, SEED);
            case "hard" -> ShapesWorld.hardHeldOutPrompts(n, SEED);
            default -> throw new IllegalArgumentException("unknown prompt set '" + set + "'; known: " + String.join(", ", SETS));
        };
    }

    /** How the set is drawn, for the tables' header. */
    static String describe(String set) {
        return set.equals("hard")
                ? "`ShapesWorld.hardHeldOutPrompts(n, " + SEED + ")` (the hard set: 3 groups, at least "
                        + ShapesWorld.HARD_MIN_OBJECTS + " objects)"
                : "`ShapesWorld.heldOutPrompts(n, " + SEED + ")` (the easy set: 1-3 groups as in training)";
    }
}
