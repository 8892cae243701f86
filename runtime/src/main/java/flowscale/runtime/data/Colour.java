package flowscale.runtime.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The colours of the shapes world. The ordinal is the colour id in condition tokens and in
 * checkpoints: never reorder, only append. The four hues are about 60-110 degrees apart, so they stay
 * separable after blur (blur mixes an object with the grey background, which keeps its hue).
 */
public enum Colour {
    RED(0.90, 0.15, 0.15),
    GREEN(0.15, 0.80, 0.20),
    BLUE(0.20, 0.35, 1.00),
    YELLOW(0.95, 0.85, 0.15);

    private final double r;
    private final double g;
    private final double b;

    Colour(double r, double g, double b) {
        this.r = r;
        this.g = g;
        this.b = b;
    }

    /** Red intensity in [0, 1]. */
    public double red() { return r; }

    /** Green intensity in [0, 1]. */
    public double green() { return g; }

    /** Blue intensity in [0, 1]. */
    public double blue() { return b; }

    /** Intensity of channel {@code c} (0 red, 1 green, 2 blue) in [0, 1]. */
    public double channel(int c) {
        return switch (c) {
            case 0 -> r;
            case 1 -> g;
            case 2 -> b;
            default -> throw new IllegalArgumentException("channel " + c + " is not 0, 1 or 2");
        };
    }

    /** The word used in prompts, e.g. {@code red}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The colour with this id (ordinal); a clear error for an id outside the vocabulary. */
    public static Colour ofId(int id) {
        Colour[] all = values();
        if (id < 0 || id >= all.length) {
            throw new IllegalArgumentException("colour id " + id + " is outside 0.." + (all.length - 1));
        }
        return all[id];
    }

    /** {@code red, green, blue, yellow} — the accepted words, for error messages. */
    public static String wordList() {
        return Arrays.stream(values()).map(Colour::word).collect(Collectors.joining(", "));
    }
}
