package flowscale.runtime.reward;

import flowscale.runtime.UserError;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/** The {@link PixelReward}s by name, as {@code --reward} takes them for models that decode to images. */
public final class PixelRewards {
    private static final Map<String, Supplier<PixelReward>> REWARDS = Map.of();

    /** The names, in the order help lists them. */
    public static final List<String> NAMES = List.of();

    private PixelRewards() {}

    /** The named reward (any case); {@link UserError} listing the known names otherwise. */
    public static PixelReward named(String name) {
        Supplier<PixelReward> r = name == null ? null : REWARDS.get(name.toLowerCase(Locale.ROOT));
        if (r == null) throw new UserError("unknown image reward '" + name + "'; known: " + String.join(", ", NAMES));
        return r.get();
    }
}
