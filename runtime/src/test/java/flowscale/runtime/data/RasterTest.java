package flowscale.runtime.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RasterTest {
    @Test
    void areasAreExact() {
        assertEquals(49, Raster.area(Shape.SQUARE, 7));
        assertEquals(37, Raster.area(Shape.CIRCLE, 7)); // 7x7 minus three pixels per corner
        assertEquals(25, Raster.area(Shape.TRIANGLE, 7)); // rows 1, 1, 3, 3, 5, 5, 7
        for (int s = 7; s <= 11; s++) {
            double circle = Raster.area(Shape.CIRCLE, s) / (double) (s * s);
            double triangle = Raster.area(Shape.TRIANGLE, s) / (double) (s * s);
            assertTrue(circle > 0.7 && circle < 0.86, "circle fill " + circle);
            assertTrue(triangle > 0.45 && triangle < 0.6, "triangle fill " + triangle);
        }
    }

    @Test
    void circlesAreSymmetricAndTrianglesWidenDownwards() {
        for (int s = 7; s <= 11; s++) {
            int previous = 0;
            for (int dy = 0; dy < s; dy++) {
                int width = 0;
                for (int dx = 0; dx < s; dx++) {
                    assertEquals(Raster.covers(Shape.CIRCLE, s, dx, dy), Raster.covers(Shape.CIRCLE, s, s - 1 - dx, dy));
                    assertEquals(Raster.covers(Shape.CIRCLE, s, dx, dy), Raster.covers(Shape.CIRCLE, s, dy, dx));
                    assertEquals(Raster.covers(Shape.TRIANGLE, s, dx, dy), Raster.covers(Shape.TRIANGLE, s, s - 1 - dx, dy));
                    if (Raster.covers(Shape.TRIANGLE, s, dx, dy)) width++;
                }
                assertTrue(width >= previous, "triangle row " + dy + " of size " + s);
                previous = width;
            }
            assertEquals(s, previous, "the base is full");
        }
        assertFalse(Raster.covers(Shape.SQUARE, 7, 7, 0));
        assertFalse(Raster.covers(Shape.SQUARE, 7, -1, 0));
    }
}
