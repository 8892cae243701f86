package flowscale.runtime.model;

import flowscale.kernels.Tensor;

/**
 * The layout of the joint sequence the blocks run on: per item, {@code G} condition tokens then {@code T}
 * image tokens, each a row of width {@code D}, items one after another ({@code [items*S, D]}, {@code S = G + T}).
 */
public final class JointSequence {
    private JointSequence() {}

    /** The condition tokens of {@code x[items*S, D]} as a {@code [items, G, D]} view. */
    public static Tensor conditionPart(Tensor x, int items, DiTConfig c) {
        long d = c.hiddenSize();
        return x.view(0, new long[] {items, c.maxGroups(), d}, new long[] {c.sequenceLength() * d, d, 1});
    }

    /** The image tokens of {@code x[items*S, D]} as a {@code [items, T, D]} view. */
    public static Tensor imagePart(Tensor x, int items, DiTConfig c) {
        long d = c.hiddenSize();
        return x.view(c.maxGroups() * d, new long[] {items, c.imageTokens(), d},
                new long[] {c.sequenceLength() * d, d, 1});
    }
}
