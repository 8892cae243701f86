package flowscale.runtime.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * What a velocity model is conditioned on. Two forms share it:
 * <ul>
 * <li>the shapes world's: the prompt text and its condition tokens, one token per group of objects, each token a
 *     triple {@code (count, colour, shape)} of small integer ids ({@link #embedding()} is null);</li>
 * <li>prompt embeddings ({@link #ofEmbedding}): a prompt (its text, or a name such as the embeddings file) and the
 *     text encoders' outputs that a model such as FLUX.1 reads ({@link #groups()} is empty).</li>
 * </ul>
 * {@link #NONE} is the unconditional (null) condition used by analytic models and by classifier-free guidance.
 * Rewards that need the prompt's structure (counting) check {@link #groupCount()}.
 */
public record Condition(String prompt, int[][] groups, PromptEmbedding embedding) {
    public static final Condition NONE = new Condition("", new int[0][]);

    public Condition {
        Objects.requireNonNull(prompt, "prompt");
        groups = Arrays.stream(groups).map(int[]::clone).toArray(int[][]::new);
        for (int[] g : groups) {
            if (g.length != 3) throw new IllegalArgumentException("a condition token is (count, colour, shape)");
        }
        if (embedding != null && groups.length > 0) {
            throw new IllegalArgumentException("a condition is either shapes-world groups or prompt embeddings, not both");
        }
    }

    /** A shapes-world condition. */
    public Condition(String prompt, int[][] groups) {
        this(prompt, groups, null);
    }

    /** A condition given by prompt embeddings; {@code prompt} names it in traces and reports. */
    public static Condition ofEmbedding(String prompt, PromptEmbedding embedding) {
        return new Condition(prompt, new int[0][], Objects.requireNonNull(embedding, "embedding"));
    }

    @Override
    public int[][] groups() {
        return Arrays.stream(groups).map(int[]::clone).toArray(int[][]::new);
    }

    public int groupCount() {
        return groups.length;
    }

    public boolean hasEmbedding() {
        return embedding != null;
    }

    @Override
    public String toString() {
        return prompt.isEmpty() ? "<none>" : prompt;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Condition c && c.prompt.equals(prompt) && Arrays.deepEquals(c.groups, groups)
                && Objects.equals(c.embedding, embedding);
    }

    @Override
    public int hashCode() {
        return (prompt.hashCode() * 31 + Arrays.deepHashCode(groups)) * 31 + Objects.hashCode(embedding);
    }
}
