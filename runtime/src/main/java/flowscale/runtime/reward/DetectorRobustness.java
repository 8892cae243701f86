package flowscale.runtime.reward;

import flowscale.runtime.data.Degradation;
import flowscale.runtime.data.Images;
import flowscale.runtime.data.Scene;
import flowscale.runtime.data.SceneObject;
import flowscale.runtime.data.ShapeClass;
import flowscale.runtime.data.ShapesWorld;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * Measures how often the detector (and the held-out metric) recover the exact ground-truth counts of
 * world images, clean, blurred and noisy, and prints a markdown table (the numbers in
 * {@code flowscale/data/DETECTOR.md}). Usage: {@code DetectorRobustness [scenes=1000] [seed=1]}; an
 * image counts as exact when the valid detections per (colour, shape) equal the ground truth and no
 * blob is invalid.
 */
public final class DetectorRobustness {
    private DetectorRobustness() {
    }

    /** One degradation applied to every scene. */
    public record Condition(String name, UnaryOperator<float[]> apply) {
    }

    /** Exact-count accuracy of the detector and the held-out metric under one condition. */
    public record Row(String condition, int scenes, double detectorExact, double heldOutExact, double validShapes) {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : 1;
        System.out.println("| condition | scenes | detector exact counts | held-out metric exact | valid-shape fraction |");
        System.out.println("|---|---|---|---|---|");
        for (Row r : measure(n, seed, conditions(seed))) {
            System.out.printf(Locale.ROOT, "| %s | %d | %.1f%% | %.1f%% | %.3f |%n", r.condition(), r.scenes(),
                    100 * r.detectorExact(), 100 * r.heldOutExact(), r.validShapes());
        }
    }

    /**
     * Clean, blur sigma 0.5/1.0/1.5, noise std 0.1/0.2/0.3 (in [-1, 1] units), objects faded toward the
     * background (contrast 0.6 and 0.5), and blur 1.0 with noise 0.2.
     */
    public static List<Condition> conditions(long seed) {
        int s = ShapesWorld.SIZE;
        List<Condition> cs = new ArrayList<>();
        cs.add(new Condition("clean", img -> img));
        for (double sigma : new double[] {0.5, 1.0, 1.5}) {
            cs.add(new Condition("blur sigma " + sigma, img -> Degradation.gaussianBlur(img, s, s, sigma)));
        }
        for (double std : new double[] {0.1, 0.2, 0.3}) {
            SplittableRandom rng = new SplittableRandom(seed * 31 + (long) (std * 10));
            cs.add(new Condition("noise std " + std, img -> Degradation.addNoise(img, std, rng)));
        }
        for (double contrast : new double[] {0.6, 0.5}) {
            cs.add(new Condition("faded to contrast " + contrast, img -> fade(img, contrast)));
        }
        SplittableRandom rng = new SplittableRandom(seed * 37);
        cs.add(new Condition("blur 1.0 + noise 0.2",
                img -> Degradation.addNoise(Degradation.gaussianBlur(img, s, s, 1.0), 0.2, rng)));
        return cs;
    }

    /** Moves every pixel toward the background: {@code bg + contrast * (v - bg)}. */
    static float[] fade(float[] img, double contrast) {
        int plane = img.length / 3;
        float[] out = new float[img.length];
        for (int c = 0; c < 3; c++) {
            double bg = Images.toSigned(ShapesWorld.BACKGROUND[c]);
            for (int i = 0; i < plane; i++) out[c * plane + i] = (float) (bg + contrast * (img[c * plane + i] - bg));
        }
        return out;
    }

    public static List<Row> measure(int n, long seed, List<Condition> conditions) {
        ShapesWorld world = new ShapesWorld();
        List<Row> rows = new ArrayList<>();
        for (Condition c : conditions) {
            int det = 0, held = 0;
            double valid = 0;
            for (int i = 0; i < n; i++) {
                Scene scene = world.scene(seed, i);
                float[] img = c.apply().apply(scene.image());
                Map<ShapeClass, Integer> truth = groundTruth(scene);
                List<Detection> ds = ShapeDetector.detect(img);
                if (ShapeDetector.invalidCount(ds) == 0 && ShapeDetector.counts(ds).equals(truth)) det++;
                valid += ShapeDetector.validShapeFraction(ds);
                HeldOutCounter.Result h = HeldOutCounter.count(img);
                if (h.invalid() == 0 && h.counts().equals(truth)) held++;
            }
            rows.add(new Row(c.name(), n, det / (double) n, held / (double) n, valid / n));
        }
        return rows;
    }

    /** Ground-truth counts per class of a scene. */
    public static Map<ShapeClass, Integer> groundTruth(Scene scene) {
        Map<ShapeClass, Integer> m = new LinkedHashMap<>();
        for (SceneObject o : scene.objects()) m.merge(o.shapeClass(), 1, Integer::sum);
        return m;
    }
}
