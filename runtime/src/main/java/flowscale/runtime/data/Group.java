package flowscale.runtime.data;

import java.util.Objects;

/** One group of a prompt: {@code count} objects of one colour and shape. */
public record Group(int count, Colour colour, Shape shape) {
    public Group {
        Objects.requireNonNull(colour, "colour");
        Objects.requireNonNull(shape, "shape");
        if (count < 1 || count > Vocabulary.MAX_COUNT) {
            throw new PromptException("count " + count + " is outside 1-" + Vocabulary.MAX_COUNT
                    + " (the world and the model know counts 1-" + Vocabulary.MAX_COUNT + ")");
        }
    }

    /** The (colour, shape) class of this group. */
    public ShapeClass shapeClass() {
        return new ShapeClass(colour, shape);
    }

    /** {@code 2 red circles}. */
    public String text() {
        return count + " " + colour.word() + " " + shape.word(count);
    }

    /** The condition token {@code {count, colour id, shape id}}. */
    public int[] token() {
        return new int[] {count, colour.ordinal(), shape.ordinal()};
    }
}
