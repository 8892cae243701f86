package flowscale.runtime.reward;

import flowscale.runtime.data.Prompt;
import flowscale.runtime.data.ShapeClass;

import java.util.List;
import java.util.Map;

/** Everything the rewards see in one image for one prompt, for printing and reports. */
public record ImageScore(List<Detection> detections, Map<ShapeClass, Integer> counts, PromptTally tally,
                         double counting, double composition, double heldOut, double validShapes) {

    /** Scores a square CHW image in [-1, 1] against a prompt with every reward and metric. */
    public static ImageScore of(float[] image, Prompt prompt) {
        List<Detection> ds = ShapeDetector.detect(image);
        Map<ShapeClass, Integer> counts = ShapeDetector.counts(ds);
        PromptTally t = PromptTally.of(prompt, counts, ShapeDetector.invalidCount(ds));
        return new ImageScore(ds, counts, t, new CountingReward().of(t), CompositionReward.of(t),
                HeldOutMetric.of(HeldOutMetric.tally(image, prompt)), ShapeDetector.validShapeFraction(ds));
    }
}
