package flowscale.runtime.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The shapes of the shapes world: filled, axis-aligned, the triangle points up. The ordinal is the
 * shape id in condition tokens and in checkpoints: never reorder, only append.
 */
public enum Shape {
    CIRCLE,
    SQUARE,
    TRIANGLE;

    /** Singular prompt word, e.g. {@code circle}. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Plural prompt word, e.g. {@code circles}. */
    public String plural() {
        return word() + "s";
    }

    /** The word for {@code count} objects: singular for one, plural otherwise. */
    public String word(int count) {
        return count == 1 ? word() : plural();
    }

    /** The shape with this id (ordinal); a clear error for an id outside the vocabulary. */
    public static Shape ofId(int id) {
        Shape[] all = values();
        if (id < 0 || id >= all.length) {
            throw new IllegalArgumentException("shape id " + id + " is outside 0.." + (all.length - 1));
        }
        return all[id];
    }

    /** {@code circle, square, triangle} — the accepted words, for error messages. */
    public static String wordList() {
        return Arrays.stream(values()).map(Shape::word).collect(Collectors.joining(", "));
    }
}
