package flowscale.runtime.data;

import java.util.Objects;

/** A (colour, shape) pair: the class that counts are kept per. */
public record ShapeClass(Colour colour, Shape shape) {
    public ShapeClass {
        Objects.requireNonNull(colour, "colour");
        Objects.requireNonNull(shape, "shape");
    }

    @Override
    public String toString() {
        return colour.word() + " " + shape.word();
    }
}
