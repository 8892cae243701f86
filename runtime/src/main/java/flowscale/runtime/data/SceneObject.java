package flowscale.runtime.data;

/**
 * One drawn object: its class and its square bounding box {@code [x, x+size) x [y, y+size)} in pixels
 * (x to the right, y down). The shape's pixels are exactly those {@link Raster#covers} says.
 */
public record SceneObject(Colour colour, Shape shape, int x, int y, int size) {
    public SceneObject {
        if (size < 1) throw new IllegalArgumentException("object size " + size + " < 1");
    }

    public ShapeClass shapeClass() {
        return new ShapeClass(colour, shape);
    }

    /** Centre of the bounding box, x. */
    public double centreX() {
        return x + size / 2.0;
    }

    /** Centre of the bounding box, y. */
    public double centreY() {
        return y + size / 2.0;
    }

    /** True when the two bounding boxes are at least {@code gap} background pixels apart in x or y. */
    public boolean separatedFrom(SceneObject o, int gap) {
        return x + size + gap <= o.x || o.x + o.size + gap <= x || y + size + gap <= o.y || o.y + o.size + gap <= y;
    }
}
