package flowscale.runtime.model.flux;

import flowscale.kernels.Tensor;
import flowscale.runtime.model.Linear;

import java.util.List;

/**
 * A BFL linear layer bound from one or more stored tensors: each part produces its own block of output
 * columns, so a diffusers checkpoint's separate q, k and v run as three products into the column chunks of
 * one fused qkv output (no fused copy of the weights), and a (scale, shift) modulation stored in the other
 * order lands as BFL's (shift, scale).
 */
public record FusedLinear(List<Part> parts, int inFeatures, int outFeatures) {

    /** A stored weight (and its slice of the bias) writing output columns {@code [column, column + outFeatures)}. */
    public record Part(Linear linear, int column) {}

    public FusedLinear {
        parts = List.copyOf(parts);
        int next = 0;
        for (Part p : parts) {
            if (p.column() != next || p.linear().inFeatures() != inFeatures) {
                throw new IllegalArgumentException("parts must tile the output columns in order with " + inFeatures + " inputs");
            }
            next += p.linear().outFeatures();
        }
        if (next != outFeatures) throw new IllegalArgumentException("parts cover " + next + " of " + outFeatures + " outputs");
    }

    /** {@code out = x W^T + b}; {@code x[rows, in]}, {@code out[rows, out]} a 2-D view, not aliased. */
    public void forward(Tensor x, Tensor out) {
        if (parts.size() == 1) {
            parts.getFirst().linear().forward(x, out);
            return;
        }
        for (Part p : parts) p.linear().forward(x, out.colRange(p.column(), p.linear().outFeatures()));
    }
}
