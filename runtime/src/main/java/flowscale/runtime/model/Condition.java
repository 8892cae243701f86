package flowscale.runtime.model;

import java.util.Arrays;

/**
 * What a velocity model is conditioned on: the prompt text and its condition tokens, one token per
 * group of objects, each token a triple {@code (count, colour, shape)} of small integer ids.
 * {@link #NONE} is the unconditional (null) condition used by analytic models and by classifier-free
 * guidance.
 */
public record Condition(String prompt, int[][] groups) {
    public static final Condition NONE = new Condition("", new int[0][]);

    public Condition {
        groups = Arrays.stream(groups).map(int[]::clone).toArray(int[][]::new);
        for (int[] g : groups) {
            if (g.length != 3) throw new IllegalArgumentException("a condition token is (count, colour, shape)");
        }
    }

    @Override
    public int[][] groups() {
        return Arrays.stream(groups).map(int[]::clone).toArray(int[][]::new);
    }

    public int groupCount() {
        return groups.length;
    }

    @Override
    public String toString() {
        return prompt.isEmpty() ? "<none>" : prompt;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Condition c && c.prompt.equals(prompt) && Arrays.deepEquals(c.groups, groups);
    }

    @Override
    public int hashCode() {
        return prompt.hashCode() * 31 + Arrays.deepHashCode(groups);
    }
}
