package flowscale.runtime.reward;

import flowscale.runtime.UserError;
import flowscale.runtime.data.Colour;
import flowscale.runtime.data.Degradation;
import flowscale.runtime.data.Prompt;
import flowscale.runtime.data.PromptParser;
import flowscale.runtime.data.Scene;
import flowscale.runtime.data.ShapesWorld;
import flowscale.runtime.model.Condition;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RewardsTest {
    private final ShapesWorld world = new ShapesWorld();

    /** Scores {@code image} against {@code prompt} with counting, composition, held-out. */
    private static double[] scores(float[] image, String prompt) {
        Condition c = PromptParser.parse(prompt).toCondition();
        double[] out = new double[3];
        int k = 0;
        for (Reward r : List.of(new CountingReward(), new CompositionReward(), new HeldOutMetric())) {
            double[] s = new double[1];
            r.score(1, new float[][] {image}, new Condition[] {c}, s);
            out[k++] = s[0];
        }
        return out;
    }

    private float[] render(String prompt, long seed) {
        return world.render(PromptParser.parse(prompt), seed).image();
    }

    @Test
    void exactSceneScoresPerfectly() {
        float[] img = render("2 red circles and 1 blue square", 1);
        assertEquals(List.of(0.0, 1.0, 1.0), asList(scores(img, "2 red circles and 1 blue square")));
    }

    @Test
    void oneMissingObject() {
        float[] img = render("2 red circles and 1 blue square", 1);
        // counting: (3 - 2)^2 = 1; composition: (2/3 + 1) / 2; held-out: one of two groups matches
        double[] s = scores(img, "3 red circles and 1 blue square");
        assertEquals(-1.0, s[0]);
        assertEquals((2.0 / 3 + 1) / 2, s[1], 1e-12);
        assertEquals(0.5, s[2]);
    }

    @Test
    void missingGroupsAndOverCounts() {
        float[] img = render("4 green triangles", 2);
        double[] s = scores(img, "1 green triangle and 2 yellow squares");
        assertEquals(-(9 + 4), s[0]); // (1-4)^2 + (2-0)^2
        assertEquals((0.25 + 0) / 2, s[1], 1e-12);
        assertEquals(0.0, s[2]);
    }

    @Test
    void objectsOutsideThePromptFollowThePaperUnlessAsked() {
        float[] img = render("1 red circle and 1 blue square", 3);
        double[] s = scores(img, "1 red circle");
        assertEquals(0.0, s[0], "the paper's -RSS counts only the prompt's classes");
        assertEquals(0.5, s[1], "composition: 1 / (1 + 1 extra)");
        assertEquals(0.5, s[2]);
        double[] strict = new double[1];
        new CountingReward(true).score(1, new float[][] {img}, new Condition[] {PromptParser.parse("1 red circle").toCondition()}, strict);
        assertEquals(-1.0, strict[0]);
    }

    @Test
    void invalidBlobsAreExtra() {
        float[] img = render("1 yellow circle", 4);
        ShapeDetectorTest.fillRect(img, 1, 1, 12, 3, Colour.YELLOW); // a bar that is no shape
        List<Detection> ds = ShapeDetector.detect(img);
        assertEquals(1, ShapeDetector.invalidCount(ds));
        assertEquals(0.5, ShapeDetector.validShapeFraction(ds));
        double[] s = scores(img, "1 yellow circle");
        assertEquals(0.0, s[0]);
        assertEquals(0.5, s[1]);
    }

    @Test
    void batchesScoreEachImageAgainstItsOwnPrompt() {
        Scene a = world.scene(5, 0), b = world.scene(5, 1);
        float[] nan = a.image().clone();
        nan[17] = Float.NaN;
        float[][] x0 = {a.image(), b.image(), nan, a.image()};
        Condition[] cond = {a.prompt().toCondition(), b.prompt().toCondition(), a.prompt().toCondition(), b.prompt().toCondition()};
        double[] out = new double[5];
        out[4] = 123;
        new CountingReward().score(4, x0, cond, out);
        assertEquals(0.0, out[0]);
        assertEquals(0.0, out[1]);
        assertTrue(Double.isNaN(out[2]), "an image with NaN cannot be judged");
        assertTrue(out[3] < 0 || a.prompt().equals(b.prompt()));
        assertEquals(123, out[4], "only n entries are written");
        assertThrows(IllegalArgumentException.class, () -> new CountingReward().score(1, x0, new Condition[] {Condition.NONE}, out));
        assertThrows(IllegalArgumentException.class, () -> new CountingReward().score(5, x0, cond, out));
    }

    @Test
    void heldOutMetricAgreesWithGroundTruthOnCleanImages() {
        HeldOutMetric metric = new HeldOutMetric();
        int n = 300, perfect = 0;
        for (int i = 0; i < n; i++) {
            Scene s = world.scene(31, i);
            double[] out = new double[1];
            metric.score(1, new float[][] {s.image()}, new Condition[] {s.prompt().toCondition()}, out);
            if (out[0] == 1.0) perfect++;
        }
        assertTrue(perfect >= 0.99 * n, perfect + " of " + n);
    }

    @Test
    void heldOutCounterCountsBlurredImages() {
        int n = 150, exact = 0;
        for (int i = 0; i < n; i++) {
            Scene s = world.scene(41, i);
            HeldOutCounter.Result r = HeldOutCounter.count(Degradation.gaussianBlur(s.image(), 32, 32, 1.0));
            if (r.invalid() == 0 && r.counts().equals(DetectorRobustness.groundTruth(s))) exact++;
        }
        assertTrue(exact >= 0.97 * n, exact + " of " + n);
    }

    @Test
    void namedRewards() {
        assertEquals("counting", Rewards.named("counting").name());
        assertEquals("composition", Rewards.named(" Composition ").name());
        assertEquals("heldout", Rewards.named("heldout").name());
        assertEquals("validshapes", Rewards.named("validshapes").name());
        UserError e = assertThrows(UserError.class, () -> Rewards.named("aesthetic"));
        assertEquals("unknown reward \"aesthetic\": choose one of counting, composition, heldout, validshapes", e.getMessage());
        assertInstanceOf(Reward.class, Rewards.named("counting"));
    }

    @Test
    void imageScoreCollectsEverything() {
        Prompt p = PromptParser.parse("2 red circles and 1 blue square");
        ImageScore s = ImageScore.of(world.render(p, 1).image(), p);
        assertEquals(3, s.detections().size());
        assertEquals(0.0, s.counting());
        assertEquals(1.0, s.composition());
        assertEquals(1.0, s.heldOut());
        assertEquals(1.0, s.validShapes());
        assertTrue(s.tally().exact());
    }

    private static List<Double> asList(double[] a) {
        return java.util.Arrays.stream(a).boxed().toList();
    }
}
