package flowscale.runtime.reward;

import flowscale.runtime.data.Prompt;

import java.util.List;

/**
 * The quantity-aware reward: {@code -RSS = -sum over the prompt's groups (requested - detected)^2},
 * 0 for an exact match. Like the paper, only the prompt's classes count by default; with
 * {@code countUnprompted} every object of another class and every invalid blob also adds 1 (its
 * requested count is 0), which punishes clutter the default does not see.
 */
public final class CountingReward extends ImageReward {
    private final boolean countUnprompted;

    /** The paper's reward: only the prompt's classes. */
    public CountingReward() {
        this(false);
    }

    public CountingReward(boolean countUnprompted) {
        this.countUnprompted = countUnprompted;
    }

    @Override
    public String name() {
        return "counting";
    }

    @Override
    double score(float[] image, Prompt prompt) {
        List<Detection> ds = ShapeDetector.detect(image);
        return of(PromptTally.of(prompt, ShapeDetector.counts(ds), ShapeDetector.invalidCount(ds)));
    }

    /** The reward of a tally. */
    public double of(PromptTally t) {
        return -(t.rss() + (countUnprompted ? t.extra() : 0));
    }
}
