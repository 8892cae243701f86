package flowscale.runtime.reward;

import flowscale.runtime.data.Prompt;

/**
 * The held-out metric, reported beside the search reward so reward hacking shows: counts from
 * {@link HeldOutCounter} (a different segmentation, connectivity and shape classifier from the
 * detector that the search rewards use), scored as
 * {@code (groups whose count matches / G) / (1 + extra)} in [0, 1]; 1 exactly when every count
 * matches and nothing else is in the image.
 */
public final class HeldOutMetric extends ImageReward {
    @Override
    public String name() {
        return "heldout";
    }

    @Override
    double score(float[] image, Prompt prompt) {
        return of(tally(image, prompt));
    }

    /** The held-out counter's tally of an image against a prompt. */
    public static PromptTally tally(float[] image, Prompt prompt) {
        HeldOutCounter.Result r = HeldOutCounter.count(image);
        return PromptTally.of(prompt, r.counts(), r.invalid());
    }

    /** The metric of a tally. */
    public static double of(PromptTally t) {
        return t.groupsMatched() / (double) t.requested().length / (1.0 + t.extra());
    }
}
