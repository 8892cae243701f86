package flowscale.runtime.reward;

import flowscale.runtime.UserError;

import java.util.List;

/** The shapes-world rewards and metrics by name. */
public final class Rewards {
    /** Accepted names, in the order they are listed to users. */
    public static final List<String> NAMES = List.of("counting", "composition", "heldout", "validshapes");

    private Rewards() {
    }

    /** A new reward by name; an unknown name is a one-line {@link UserError} listing the names. */
    public static Reward named(String name) {
        String n = name == null ? "" : name.strip().toLowerCase(java.util.Locale.ROOT);
        return switch (n) {
            case "counting" -> new CountingReward();
            case "composition" -> new CompositionReward();
            case "heldout" -> new HeldOutMetric();
            case "validshapes" -> new ValidShapeFraction();
            default -> throw new UserError("unknown reward \"" + name + "\": choose one of " + String.join(", ", NAMES));
        };
    }
}
