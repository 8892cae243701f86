package flowscale.runtime.model.text;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;
import flowscale.loader.TensorInfo;
import flowscale.loader.TensorStore;
import flowscale.runtime.model.PackedLinear;

/**
 * Reads a checkpoint's tensors (already checked by {@link CheckpointKeys}) onto a backend, widened to float32:
 * linear layers uploaded and packed once, norm vectors uploaded, embedding tables kept on the host where the
 * per-token row lookup is done.
 */
public record WeightBinder(TensorStore store, Backend backend) {

    /** {@code prefix.weight [out, in]} and, when {@code withBias}, {@code prefix.bias [out]}. */
    public PackedLinear linear(String prefix, boolean withBias) {
        TensorInfo w = store.tensor(prefix + ".weight");
        Tensor weight = backend.upload(store.toFloatArray(w.name()), w.dim(0), w.dim(1));
        Tensor bias = withBias ? vector(prefix + ".bias") : null;
        return new PackedLinear(backend.pack(weight), bias);
    }

    /** A 1-D tensor (a norm's weight or bias). */
    public Tensor vector(String name) {
        float[] v = store.toFloatArray(name);
        return backend.upload(v, v.length);
    }

    /** A host table, row-major (token and position embeddings, the relative-position bias table). */
    public float[] table(String name) {
        return store.toFloatArray(name);
    }
}
