package flowscale.runtime.data;

/**
 * Exact rasterisation of the world's shapes: a pixel belongs to a shape iff its centre lies inside
 * it. All tests are in integers (coordinates doubled), so every machine draws the same pixels;
 * there is no antialiasing.
 */
public final class Raster {
    private Raster() {
    }

    /**
     * Whether pixel {@code (dx, dy)} of an object's {@code size x size} box is covered.
     * Circle: inscribed disk. Square: the whole box. Triangle: apex at the top centre, base along the
     * bottom edge (isosceles, height = base = size).
     */
    public static boolean covers(Shape shape, int size, int dx, int dy) {
        if (dx < 0 || dy < 0 || dx >= size || dy >= size) return false;
        // pixel centre relative to the box centre, doubled: (2dx + 1 - size, 2dy + 1 - size)
        int u = 2 * dx + 1 - size;
        int v = 2 * dy + 1 - size;
        return switch (shape) {
            case SQUARE -> true;
            case CIRCLE -> u * u + v * v <= size * size;
            // half-width at height y (from the apex) is y/2; doubled twice: 2|u| <= 2dy + 1
            case TRIANGLE -> 2 * Math.abs(u) <= 2 * dy + 1;
        };
    }

    /** Paints {@code o} in its palette colour into a CHW image in [-1, 1]. */
    public static void draw(float[] image, int size, SceneObject o) {
        int plane = size * size;
        for (int dy = 0; dy < o.size(); dy++) {
            for (int dx = 0; dx < o.size(); dx++) {
                if (!covers(o.shape(), o.size(), dx, dy)) continue;
                int px = o.x() + dx;
                int py = o.y() + dy;
                if (px < 0 || py < 0 || px >= size || py >= size) {
                    throw new IllegalArgumentException(o + " leaves the " + size + "x" + size + " image");
                }
                for (int c = 0; c < 3; c++) {
                    image[c * plane + py * size + px] = Images.toSigned(o.colour().channel(c));
                }
            }
        }
    }

    /** Number of pixels a shape of this size covers. */
    public static int area(Shape shape, int size) {
        int n = 0;
        for (int dy = 0; dy < size; dy++) {
            for (int dx = 0; dx < size; dx++) {
                if (covers(shape, size, dx, dy)) n++;
            }
        }
        return n;
    }
}
