package flowscale.runtime.reward;

import flowscale.runtime.data.Colour;
import flowscale.runtime.data.Shape;
import flowscale.runtime.data.ShapeClass;

import java.util.Locale;

/**
 * One detected object: a connected component of one colour. {@code shape} is {@code null} when the
 * blob fits no shape (INVALID: merged objects, fragments, smears); see {@link #valid()}.
 * The bounding box is inclusive: {@code [minX, maxX] x [minY, maxY]}.
 */
public record Detection(Colour colour, Shape shape, int pixels, int minX, int minY, int maxX, int maxY,
                        double centroidX, double centroidY) {

    /** Whether the blob was classified as one of the world's shapes. */
    public boolean valid() {
        return shape != null;
    }

    /** The (colour, shape) class; only for valid detections. */
    public ShapeClass shapeClass() {
        if (shape == null) throw new IllegalStateException("an invalid detection has no shape class");
        return new ShapeClass(colour, shape);
    }

    public int width() {
        return maxX - minX + 1;
    }

    public int height() {
        return maxY - minY + 1;
    }

    /** {@code red circle 37px at (12.0, 8.0)} or {@code red INVALID 60px at ...}. */
    public String describe() {
        return String.format(Locale.ROOT, "%s %s %dpx %dx%d at (%.1f, %.1f)", colour.word(),
                shape == null ? "INVALID" : shape.word(), pixels, width(), height(), centroidX, centroidY);
    }
}
