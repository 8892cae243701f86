package flowscale.runtime.reward;

import flowscale.runtime.data.Group;
import flowscale.runtime.data.Prompt;
import flowscale.runtime.data.ShapeClass;

import java.util.Map;

/**
 * Detected counts lined up with a prompt: per group the requested and the detected count, and the
 * objects the prompt did not ask for ({@code extra}: valid objects of classes outside the prompt plus
 * invalid blobs). Over-counts of a prompt class are not extra; they show in that group's count.
 */
public record PromptTally(Prompt prompt, int[] requested, int[] detected, int unpromptedValid, int invalid) {

    /** Lines up per-class counts (and a number of invalid blobs) with the prompt's groups. */
    public static PromptTally of(Prompt prompt, Map<ShapeClass, Integer> counts, int invalid) {
        int g = prompt.groups().size();
        int[] req = new int[g];
        int[] det = new int[g];
        int inPrompt = 0;
        for (int i = 0; i < g; i++) {
            Group group = prompt.groups().get(i);
            req[i] = group.count();
            det[i] = counts.getOrDefault(group.shapeClass(), 0);
            inPrompt += det[i];
        }
        int all = counts.values().stream().mapToInt(Integer::intValue).sum();
        return new PromptTally(prompt, req, det, all - inPrompt, invalid);
    }

    /** Objects the prompt did not ask for: other classes' valid objects plus invalid blobs. */
    public int extra() {
        return unpromptedValid + invalid;
    }

    /** {@code sum over groups (requested - detected)^2}. */
    public int rss() {
        int rss = 0;
        for (int i = 0; i < requested.length; i++) {
            int d = requested[i] - detected[i];
            rss += d * d;
        }
        return rss;
    }

    /** Number of groups whose detected count equals the requested one. */
    public int groupsMatched() {
        int n = 0;
        for (int i = 0; i < requested.length; i++) {
            if (requested[i] == detected[i]) n++;
        }
        return n;
    }

    /** Every group matched and nothing extra. */
    public boolean exact() {
        return groupsMatched() == requested.length && extra() == 0;
    }
}
