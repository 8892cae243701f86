package flowscale.runtime.data;

/**
 * Sizes of the prompt language that the model's embedding tables are built from. A condition token
 * is {@code (count, colour id, shape id)} with {@code 1 <= count <= MAX_COUNT}; a prompt has
 * {@code 1..MAX_GROUPS} tokens.
 */
public final class Vocabulary {
    /** Largest count of one group that the world draws and the parser accepts. */
    public static final int MAX_COUNT = 4;
    /** Largest number of groups (distinct colour-shape pairs) in one prompt. */
    public static final int MAX_GROUPS = 3;
    /** Largest total number of objects in one image (so that they fit at 32x32 without overlap). */
    public static final int MAX_OBJECTS = 8;
    /** Number of colour ids ({@link Colour#ordinal()} is in {@code [0, COLOURS)}). */
    public static final int COLOURS = Colour.values().length;
    /** Number of shape ids ({@link Shape#ordinal()} is in {@code [0, SHAPES)}). */
    public static final int SHAPES = Shape.values().length;

    private Vocabulary() {
    }
}
