package flowscale.runtime.model.flux;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

import java.util.Arrays;

/**
 * The FLUX.1 transformer (BFL's {@code Flux}) on a backend: {@code img_in}, {@code txt_in}, the conditioning
 * vector {@code vec = time_in(t) [+ guidance_in(g)] + vector_in(y)}, rotary positions from the ids, the
 * double-stream blocks, the single-stream blocks over [txt; img], and the final layer on the image tokens.
 *
 * <p>Activations live in a {@link FluxWorkspace} sized for the largest batch seen at the current token
 * counts; new token counts or a larger batch make a new one, and the old one's memory stays with the backend
 * until it is closed (a model serves one image size, so this happens once). Not thread-safe.
 */
public final class FluxTransformer {
    /** LayerNorm epsilon of every non-affine norm in BFL's blocks. */
    static final float LN_EPS = 1e-6f;
    /** BFL's RMSNorm epsilon (QK-norm). */
    static final float RMS_EPS = 1e-6f;

    /** Receives intermediate activations (BFL module names) during a forward pass, e.g. to compare with a golden. */
    public interface ActivationSink {
        void accept(String module, Tensor activation);
    }

    private final FluxWeights weights;
    private final FluxConfig config;
    private final Backend backend;
    private final DoubleStreamBlock[] doubleBlocks;
    private final SingleStreamBlock[] singleBlocks;
    private final LastLayer lastLayer;
    private FluxWorkspace workspace;
    private float[] ropeIds = new float[0];
    private Tensor ropeTable;
    private float[] features = new float[0];
    private float[] staging = new float[0];

    public FluxTransformer(FluxWeights weights, Backend backend) {
        this.weights = weights;
        this.config = weights.config;
        this.backend = backend;
        this.doubleBlocks = weights.doubleBlocks.stream().map(b -> new DoubleStreamBlock(b, config)).toArray(DoubleStreamBlock[]::new);
        this.singleBlocks = weights.singleBlocks.stream().map(b -> new SingleStreamBlock(b, config)).toArray(SingleStreamBlock[]::new);
        this.lastLayer = new LastLayer(weights);
    }

    /**
     * Binds a recognised checkpoint on {@code backend}. Keep the checkpoint open while the model is used: a backend
     * may read 16-bit weights in place from the mapped file (the reference does).
     */
    public static FluxTransformer load(FluxCheckpoint checkpoint, Backend backend) {
        return new FluxTransformer(FluxWeights.bind(checkpoint, backend), backend);
    }

    public FluxConfig config() { return config; }

    public Backend backend() { return backend; }

    /** The velocity {@code [B, N, out]} for {@code in}, row-major. */
    public float[] forward(FluxInputs in) {
        float[] out = new float[in.batch() * in.imageTokens() * config.outChannels()];
        forward(in, out, null);
        return out;
    }

    /** Writes the velocity {@code [B, N, out]} into {@code out}; {@code sink} (may be null) sees the activations. */
    public void forward(FluxInputs in, float[] out, ActivationSink sink) {
        in.check(config);
        int b = in.batch(), n = in.imageTokens(), l = in.textTokens(), s = n + l;
        if (out.length < (long) b * n * config.outChannels()) throw new IllegalArgumentException("output of " + out.length + " floats is too small");
        if (workspace == null || workspace.n != n || workspace.l != l || workspace.capacity < b) {
            workspace = new FluxWorkspace(config, backend, Math.max(b, workspace == null ? 1 : workspace.capacity), n, l);
        }
        FluxWorkspace.Views v = workspace.views(b);
        Tensor rope = rotary(in, s);
        backend.upload(in.img(), 0, v.img);
        backend.upload(in.txt(), 0, v.txt);
        backend.upload(in.vec(), 0, v.vecIn);

        FluxWorkspace.Stream img = v.imgStream, txt = v.txtStream;
        weights.imgIn.forward(v.img, img.x);
        emit(sink, "img_in", img.x);
        embed(weights.timeIn, in.t(), b, v.timeFeatures, v, v.vec);
        emit(sink, "time_in", v.vec);
        if (weights.guidanceIn != null) {
            embed(weights.guidanceIn, in.guidance(), b, v.guidanceFeatures, v, v.embedOut);
            emit(sink, "guidance_in", v.embedOut);
            backend.axpby(1f, v.vec, 1f, v.embedOut, v.vec);
        }
        mlp(weights.vectorIn, v.vecIn, v);
        emit(sink, "vector_in", v.embedOut);
        backend.axpby(1f, v.vec, 1f, v.embedOut, v.vec);
        weights.txtIn.forward(v.txt, txt.x);
        emit(sink, "txt_in", txt.x);
        backend.silu(v.vec, v.siluVec);

        for (int i = 0; i < doubleBlocks.length; i++) {
            doubleBlocks[i].forward(v, rope);
            if (sink != null) {
                sink.accept("double_blocks." + i + ".img", img.x);
                sink.accept("double_blocks." + i + ".txt", txt.x);
            }
        }
        backend.copy(txt.x3, v.xJointText);
        backend.copy(img.x3, v.xJointImage);
        for (int i = 0; i < singleBlocks.length; i++) {
            singleBlocks[i].forward(v, rope, s);
            if (sink != null) sink.accept("single_blocks." + i, v.xJoint);
        }
        backend.copy(v.xJointImage, img.x3);
        lastLayer.forward(v);
        emit(sink, "final_layer", v.out);
        backend.download(v.out, out, 0);
    }

    /** {@code embedder(timestep_embedding(values))} into {@code dst}. */
    private void embed(FluxWeights.MlpEmbedder embedder, float[] values, int b, Tensor featuresTensor, FluxWorkspace.Views v, Tensor dst) {
        int size = b * FluxConfig.TIME_FEATURES;
        if (features.length < size) features = new float[size];
        TimestepFeatures.fill(values, b, features);
        backend.upload(features, 0, featuresTensor);
        embedder.inLayer().forward(featuresTensor, v.embedHidden);
        backend.silu(v.embedHidden, v.embedHidden);
        embedder.outLayer().forward(v.embedHidden, dst);
    }

    /** {@code vector_in(y)} into {@code v.embedOut}. */
    private void mlp(FluxWeights.MlpEmbedder embedder, Tensor x, FluxWorkspace.Views v) {
        embedder.inLayer().forward(x, v.embedHidden);
        backend.silu(v.embedHidden, v.embedHidden);
        embedder.outLayer().forward(v.embedHidden, v.embedOut);
    }

    /** The rotary table of [txt_ids; img_ids], rebuilt only when the ids change. */
    private Tensor rotary(FluxInputs in, int s) {
        int need = 3 * s;
        if (staging.length < need) staging = new float[need];
        System.arraycopy(in.txtIds(), 0, staging, 0, in.txtIds().length);
        System.arraycopy(in.imgIds(), 0, staging, in.txtIds().length, in.imgIds().length);
        if (ropeTable == null || ropeIds.length != need || !Arrays.equals(ropeIds, 0, need, staging, 0, need)) {
            ropeIds = Arrays.copyOf(staging, need);
            ropeTable = backend.upload(RotaryTable.of(config, ropeIds, s), s, config.headDim());
        }
        return ropeTable;
    }

    private static void emit(ActivationSink sink, String module, Tensor t) {
        if (sink != null) sink.accept(module, t);
    }
}
