package flowscale.runtime.reward;

import flowscale.runtime.data.Prompt;

import java.util.List;

/**
 * Compositional reward in [0, 1]:
 * {@code (1/G) sum over groups min(d, r) / max(d, r)}, times {@code 1 / (1 + extra)}, where {@code r}
 * and {@code d} are a group's requested and detected counts (a group with nothing detected scores 0)
 * and {@code extra} counts objects of classes the prompt does not name plus invalid blobs.
 * It is 1 exactly when every group is matched and nothing else is in the image; unlike -RSS it
 * stays in [0, 1] and sees objects outside the prompt.
 */
public final class CompositionReward extends ImageReward {
    @Override
    public String name() {
        return "composition";
    }

    @Override
    double score(float[] image, Prompt prompt) {
        List<Detection> ds = ShapeDetector.detect(image);
        return of(PromptTally.of(prompt, ShapeDetector.counts(ds), ShapeDetector.invalidCount(ds)));
    }

    /** The reward of a tally. */
    public static double of(PromptTally t) {
        double sum = 0;
        for (int i = 0; i < t.requested().length; i++) {
            int r = t.requested()[i], d = t.detected()[i];
            sum += Math.min(r, d) / (double) Math.max(r, d);
        }
        return sum / t.requested().length / (1.0 + t.extra());
    }
}
