package flowscale.runtime.model.text;

import flowscale.kernels.Backend;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import flowscale.kernels.WeightType;
import flowscale.loader.TensorInfo;
import flowscale.loader.TensorStore;
import flowscale.runtime.model.PackedLinear;

/**
 * Binds a checkpoint's tensors (already checked by {@link CheckpointKeys}) on a backend, keeping the weights in the
 * dtype they are stored in, as the FLUX transformer does: BF16 and F16 matrices are packed by
 * {@link Backend#packHalf} straight from the mapped file and widened inside the GEMM; F32 matrices take the float32
 * path ({@link Backend#pack}); embedding tables stay in the mapping and are widened one looked-up row at a time.
 * Only the 1-D tensors (biases, norm weights: under 0.2% of CLIP-L's and T5-XXL's parameters) are widened to
 * float32 tensors, the form the element-wise ops read. No float32 copy of a 16-bit model is made.
 *
 * <p>The reference backend reads half weights in place, so the store must stay open while the bound weights are
 * used: the encoders own their folder and close it last.
 */
public record WeightBinder(TensorStore store, Backend backend) {

    /** {@code prefix.weight [out, in]} and, when {@code withBias}, {@code prefix.bias [out]}. */
    public PackedLinear linear(String prefix, boolean withBias) {
        TensorInfo w = store.tensor(prefix + ".weight");
        int out = Math.toIntExact(w.dim(0)), in = Math.toIntExact(w.dim(1));
        PackedWeight packed = switch (w.dtype()) {
            case BF16 -> backend.packHalf(store.bytes(w.name()), WeightType.BF16, out, in);
            case F16 -> backend.packHalf(store.bytes(w.name()), WeightType.F16, out, in);
            case F32 -> backend.pack(backend.upload(store.toFloatArray(w.name()), out, in));
            default -> throw new IllegalStateException(w.name() + " is " + w.dtype() + ", which CheckpointKeys refuses");
        };
        Tensor bias = withBias ? vector(prefix + ".bias") : null;
        return new PackedLinear(packed, bias);
    }

    /** A 1-D tensor (a norm's weight or a bias), widened to float32 on the backend. */
    public Tensor vector(String name) {
        float[] v = store.toFloatArray(name);
        return backend.upload(v, v.length);
    }

    /** A 2-D table read by row on the host (token and position embeddings), left in the stored bytes. */
    public EmbeddingTable embedding(String name) {
        return new EmbeddingTable(store.tensor(name), store.bytes(name));
    }

    /** A small host table widened to float32, row-major (T5's relative-position bias, 32 x heads). */
    public float[] smallTable(String name) {
        return store.toFloatArray(name);
    }
}
