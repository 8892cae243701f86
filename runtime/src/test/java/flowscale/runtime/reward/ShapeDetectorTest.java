package flowscale.runtime.reward;

import flowscale.runtime.data.Colour;
import flowscale.runtime.data.Degradation;
import flowscale.runtime.data.Images;
import flowscale.runtime.data.Raster;
import flowscale.runtime.data.Scene;
import flowscale.runtime.data.SceneObject;
import flowscale.runtime.data.Shape;
import flowscale.runtime.data.ShapeClass;
import flowscale.runtime.data.ShapesWorld;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapeDetectorTest {
    private final ShapesWorld world = new ShapesWorld();

    @Test
    void exactCountsOnCleanWorldImages() {
        int n = 1000, exact = 0, heldOutExact = 0;
        for (int i = 0; i < n; i++) {
            Scene s = world.scene(2024, i);
            Map<ShapeClass, Integer> truth = DetectorRobustness.groundTruth(s);
            List<Detection> ds = ShapeDetector.detect(s.image());
            if (ShapeDetector.invalidCount(ds) == 0 && ShapeDetector.counts(ds).equals(truth)) exact++;
            HeldOutCounter.Result h = HeldOutCounter.count(s.image());
            if (h.invalid() == 0 && h.counts().equals(truth)) heldOutExact++;
        }
        assertTrue(exact >= 0.99 * n, "detector exact on " + exact + " of " + n);
        assertTrue(heldOutExact >= 0.99 * n, "held-out counter exact on " + heldOutExact + " of " + n);
    }

    /** Guards the robustness measured in DETECTOR.md (with margin, on fewer scenes). */
    @Test
    void robustToBlurAndNoise() {
        SplittableRandom rng = new SplittableRandom(77);
        assertAtLeast(0.97, 200, img -> Degradation.gaussianBlur(img, 32, 32, 1.0));
        assertAtLeast(0.97, 200, img -> Degradation.addNoise(img, 0.2, rng));
        assertAtLeast(0.85, 200, img -> Degradation.addNoise(img, 0.3, rng));
    }

    private void assertAtLeast(double fraction, int n, UnaryOperator<float[]> degrade) {
        int exact = 0;
        for (int i = 0; i < n; i++) {
            Scene s = world.scene(99, i);
            List<Detection> ds = ShapeDetector.detect(degrade.apply(s.image()));
            if (ShapeDetector.invalidCount(ds) == 0 && ShapeDetector.counts(ds).equals(DetectorRobustness.groundTruth(s))) exact++;
        }
        assertTrue(exact >= fraction * n, exact + " of " + n);
    }

    @Test
    void robustnessTableRowsAreFractions() {
        List<DetectorRobustness.Row> rows = DetectorRobustness.measure(20, 1, DetectorRobustness.conditions(1).subList(0, 2));
        assertEquals("clean", rows.get(0).condition());
        assertEquals(1.0, rows.get(0).detectorExact());
        assertEquals(1.0, rows.get(0).heldOutExact());
        assertEquals("blur sigma 0.5", rows.get(1).condition());
        assertEquals(20, rows.get(1).scenes());
    }

    @Test
    void strongBlurBridgesAreSplit() {
        float[] img = blank();
        Raster.draw(img, 32, new SceneObject(Colour.RED, Shape.SQUARE, 4, 10, 8));
        Raster.draw(img, 32, new SceneObject(Colour.RED, Shape.SQUARE, 14, 10, 8)); // 2 px apart
        List<Detection> ds = ShapeDetector.detect(Degradation.gaussianBlur(img, 32, 32, 1.4));
        assertEquals(2, ds.size(), ds.toString());
        assertTrue(ds.stream().allMatch(Detection::valid), ds.toString());
    }

    @Test
    void detectionsDescribeTheObjects() {
        float[] img = blank();
        Raster.draw(img, 32, new SceneObject(Colour.GREEN, Shape.SQUARE, 4, 5, 8));
        Raster.draw(img, 32, new SceneObject(Colour.YELLOW, Shape.TRIANGLE, 18, 18, 9));
        List<Detection> ds = ShapeDetector.detect(img);
        assertEquals(2, ds.size());
        Detection sq = ds.get(0);
        assertEquals(Colour.GREEN, sq.colour());
        assertEquals(Shape.SQUARE, sq.shape());
        assertEquals(64, sq.pixels());
        assertEquals(List.of(4, 5, 11, 12), List.of(sq.minX(), sq.minY(), sq.maxX(), sq.maxY()));
        assertEquals(8.0, sq.centroidX(), 1e-9);
        assertEquals(9.0, sq.centroidY(), 1e-9);
        Detection tri = ds.get(1);
        assertEquals(new ShapeClass(Colour.YELLOW, Shape.TRIANGLE), tri.shapeClass());
        assertEquals(Raster.area(Shape.TRIANGLE, 9), tri.pixels());
        assertEquals("green square 64px 8x8 at (8.0, 9.0)", sq.describe());
    }

    @Test
    void blobsThatFitNoShapeAreInvalid() {
        float[] img = blank();
        fillRect(img, 2, 2, 16, 4, Colour.RED);          // a bar
        fillRect(img, 2, 12, 8, 8, Colour.BLUE);         // two touching squares = one 16x8 blob
        fillRect(img, 10, 12, 8, 8, Colour.BLUE);
        for (int dy = 0; dy < 9; dy++) {                 // an upside-down triangle
            for (int dx = 0; dx < 9; dx++) {
                if (Raster.covers(Shape.TRIANGLE, 9, dx, 8 - dy)) setPixel(img, 21 + dx, 22 + dy, Colour.GREEN);
            }
        }
        List<Detection> ds = ShapeDetector.detect(img);
        assertEquals(3, ds.size());
        for (Detection d : ds) {
            assertFalse(d.valid(), d.describe());
            assertNull(d.shape());
        }
        assertEquals(Map.of(), ShapeDetector.counts(ds));
        assertEquals(3, ShapeDetector.invalidCount(ds));
        assertEquals(0.0, ShapeDetector.validShapeFraction(ds));
        HeldOutCounter.Result h = HeldOutCounter.count(img);
        assertEquals(Map.of(), h.counts());
    }

    @Test
    void emptyAndTinyThingsAreNotObjects() {
        float[] img = blank();
        assertEquals(List.of(), ShapeDetector.detect(img));
        assertEquals(1.0, ShapeDetector.validShapeFraction(List.of()));
        fillRect(img, 5, 5, 2, 2, Colour.RED); // 4 pixels of noise
        assertEquals(List.of(), ShapeDetector.detect(img));
        float[] grey = new float[3 * 32 * 32]; // mid grey has no chroma
        assertEquals(List.of(), ShapeDetector.detect(grey));
    }

    @Test
    void noiseEstimateSeesNoiseButNotEdges() {
        Scene s = world.scene(1, 0);
        double[][] clean = unit(s.image());
        assertTrue(ShapeDetector.noiseLevel(clean, 32, 32) < 1e-9);
        double[][] noisy = unit(Degradation.addNoise(s.image(), 0.2, new SplittableRandom(1)));
        double est = ShapeDetector.noiseLevel(noisy, 32, 32);
        assertTrue(est > 0.07 && est < 0.13, "0.1 in [0,1] units, estimated " + est);
    }

    private static double[][] unit(float[] img) {
        double[][] rgb = new double[3][1024];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < 1024; i++) rgb[c][i] = (img[c * 1024 + i] + 1) / 2;
        }
        return rgb;
    }

    static float[] blank() {
        float[] img = new float[3 * 32 * 32];
        for (int c = 0; c < 3; c++) java.util.Arrays.fill(img, c * 1024, (c + 1) * 1024, Images.toSigned(ShapesWorld.BACKGROUND[c]));
        return img;
    }

    static void fillRect(float[] img, int x, int y, int w, int h, Colour colour) {
        for (int yy = y; yy < y + h; yy++) {
            for (int xx = x; xx < x + w; xx++) setPixel(img, xx, yy, colour);
        }
    }

    static void setPixel(float[] img, int x, int y, Colour colour) {
        for (int c = 0; c < 3; c++) img[c * 1024 + y * 32 + x] = Images.toSigned(colour.channel(c));
    }
}
