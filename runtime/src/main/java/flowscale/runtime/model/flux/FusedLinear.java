package flowscale.runtime.model.flux;

import flowscale.kernels.Tensor;
import flowscale.runtime.model.Linear;

import java.util.List;

/**
 * A BFL linear layer bound from one or more stored tensors: each part produces its own block of output
 * columns, so a diffusers checkpoint's separate q, k and v run as three products into the column chunks of
 * one fused qkv output (no fused copy of the weights), and a (scale, shift) modulation stored in the other
 * order lands as BFL's (shift, scale). Not thread-safe: the column views of the last output are kept, so a
 * steady-state forward makes none.
 */
public final class FusedLinear {

    /** A stored weight (and its slice of the bias) writing output columns {@code [column, column + outFeatures)}. */
    public record Part(Linear linear, int column) {}

    private final Part[] parts;
    private final int inFeatures, outFeatures;
    private Tensor lastOut;
    private final Tensor[] partOut;

    public FusedLinear(List<Part> parts, int inFeatures, int outFeatures) {
        this.parts = parts.toArray(Part[]::new);
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.partOut = new Tensor[this.parts.length];
        int next = 0;
        for (Part p : this.parts) {
            if (p.column() != next || p.linear().inFeatures() != inFeatures) {
                throw new IllegalArgumentException("parts must tile the output columns in order with " + inFeatures + " inputs");
            }
            next += p.linear().outFeatures();
        }
        if (next != outFeatures) throw new IllegalArgumentException("parts cover " + next + " of " + outFeatures + " outputs");
    }

    public List<Part> parts() { return List.of(parts); }

    public int inFeatures() { return inFeatures; }

    public int outFeatures() { return outFeatures; }

    /** {@code out = x W^T + b}; {@code x[rows, in]}, {@code out[rows, out]} a 2-D view, not aliased. */
    public void forward(Tensor x, Tensor out) {
        if (parts.length == 1) {
            parts[0].linear().forward(x, out);
            return;
        }
        if (out != lastOut) {
            for (int i = 0; i < parts.length; i++) partOut[i] = out.colRange(parts[i].column(), parts[i].linear().outFeatures());
            lastOut = out;
        }
        for (int i = 0; i < parts.length; i++) parts[i].linear().forward(x, partOut[i]);
    }
}
