package flowscale.runtime.model.flux;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;
import flowscale.kernels.WeightType;
import flowscale.runtime.model.PackedLinear;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * One FLUX.1 double-stream or single-stream block at FLUX.1's real width (hidden 3072, 24 heads of 128, MLP
 * 12288, RoPE axes 16/56/56), with BF16 weights made in memory, its activations in a {@link FluxWorkspace} for
 * batch 1, run through the runtime's own {@link DoubleStreamBlock} / {@link SingleStreamBlock}. It lives in the
 * FLUX package (in the bench module) to reach those package-private classes without widening the runtime's API;
 * it copies none of their code. The weights are bound as {@link FluxWeights#bind} binds a BF16 checkpoint's:
 * {@link Backend#packHalf} for 2-D weights, float32 tensors for biases and norm scales.
 */
public final class FluxBlockHarness {
    /** FLUX.1's configuration with one double and one single block (the depths only size nothing here). */
    public static final FluxConfig CONFIG = new FluxConfig(3072, 24, 1, 1, 12288, 64, 64, 4096, 768,
            FluxConfig.FLUX1_AXES, FluxConfig.THETA, true, false);

    /** Which block to run. */
    public enum Block { DOUBLE, SINGLE }

    /** Supplies a weight's BF16 bytes ({@code rows x cols}, little-endian, row-major) in {@code arena}. */
    public interface Weights {
        MemorySegment bf16(Arena arena, int rows, int cols, long seed, float scale);
    }

    /** Supplies {@code count} floats of about {@code scale}'s magnitude (activations, biases). */
    public interface Floats {
        float[] of(int count, long seed, float scale);
    }

    private final Backend be;
    private final Block block;
    private final FluxWorkspace.Views v;
    private final Tensor rope;
    private final DoubleStreamBlock doubleBlock;
    private final SingleStreamBlock singleBlock;
    private final Tensor savedImg, savedTxt, savedJoint;
    private final int s;
    private long seed;

    /** A block over {@code imageTokens} (a square grid) and {@code textTokens} tokens, batch 1, weights from {@code seed}. */
    public FluxBlockHarness(Backend be, Block block, int imageTokens, int textTokens, Weights weights, Floats floats, long seed) {
        this.be = be;
        this.block = block;
        this.seed = seed;
        int side = (int) Math.round(Math.sqrt(imageTokens));
        if (side * side != imageTokens) throw new IllegalArgumentException("image tokens " + imageTokens + " are not a square grid");
        int d = CONFIG.hiddenSize(), m = CONFIG.mlpHidden(), hd = CONFIG.headDim();
        s = imageTokens + textTokens;
        FluxWorkspace workspace = new FluxWorkspace(CONFIG, be, 1, imageTokens, textTokens);
        v = workspace.views(1);
        if (block == Block.DOUBLE) {
            doubleBlock = new DoubleStreamBlock(new FluxWeights.DoubleBlock(stream(weights, floats), stream(weights, floats)), CONFIG);
            singleBlock = null;
        } else {
            singleBlock = new SingleStreamBlock(new FluxWeights.SingleBlock(linear(weights, floats, 3 * d + m, d),
                    linear(weights, floats, d, d + m), norm(floats, hd), norm(floats, hd), linear(weights, floats, 3 * d, d)), CONFIG);
            doubleBlock = null;
        }
        // BFL's ids: text tokens at (0, 0, 0), image token (row, col) at (0, row, col); the joint order is [txt; img]
        float[] ids = new float[3 * s];
        for (int i = 0; i < imageTokens; i++) {
            ids[3 * (textTokens + i) + 1] = i / side;
            ids[3 * (textTokens + i) + 2] = i % side;
        }
        rope = be.upload(RotaryTable.of(CONFIG, ids, s), s, hd);
        be.upload(floats.of(d, ++this.seed, 1f), 0, v.siluVec);
        savedImg = be.upload(floats.of(imageTokens * d, ++this.seed, 1f), imageTokens, d);
        savedTxt = be.upload(floats.of(textTokens * d, ++this.seed, 1f), textTokens, d);
        savedJoint = be.upload(floats.of(s * d, ++this.seed, 1f), s, d);
    }

    /** Joint tokens (text + image). */
    public int tokens() {
        return s;
    }

    /**
     * One forward of the block from the same input state (the block updates its stream(s) in place; the copy back
     * of the saved input, one pass over the activations, is part of the timed work and well under 1% of it).
     */
    public void run() {
        if (block == Block.DOUBLE) {
            be.copy(savedImg, v.imgStream.x);
            be.copy(savedTxt, v.txtStream.x);
            doubleBlock.forward(v, rope);
        } else {
            be.copy(savedJoint, v.xJoint);
            singleBlock.forward(v, rope, s);
        }
    }

    /** A sample of the output (for a benchmark to consume), and a check that the block ran on finite numbers. */
    public float probe() {
        float[] row = new float[CONFIG.hiddenSize()];
        be.download((block == Block.DOUBLE ? v.imgStream.x : v.xJoint).rowRange(0, 1), row, 0);
        float sum = 0;
        for (float x : row) sum += x;
        if (!Float.isFinite(sum)) throw new IllegalStateException("the block produced non-finite values");
        return sum;
    }

    private FluxWeights.Stream stream(Weights w, Floats f) {
        int d = CONFIG.hiddenSize(), m = CONFIG.mlpHidden(), hd = CONFIG.headDim();
        return new FluxWeights.Stream(linear(w, f, 6 * d, d), linear(w, f, 3 * d, d), norm(f, hd), norm(f, hd),
                linear(w, f, d, d), linear(w, f, m, d), linear(w, f, d, m));
    }

    /** A biased {@code [out, in]} layer packed from BF16 bytes that are freed once packed. */
    private FusedLinear linear(Weights w, Floats f, int out, int in) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment bytes = w.bf16(arena, out, in, ++seed, (float) (1 / Math.sqrt(in)));
            Tensor bias = be.upload(f.of(out, ++seed, 0.02f), out);
            PackedLinear layer = new PackedLinear(be.packHalf(bytes, WeightType.BF16, out, in), bias);
            return new FusedLinear(List.of(new FusedLinear.Part(layer, 0)), in, out);
        }
    }

    /** An RMSNorm scale near 1. */
    private Tensor norm(Floats f, int hd) {
        float[] scale = f.of(hd, ++seed, 0.1f);
        for (int i = 0; i < hd; i++) scale[i] += 1f;
        return be.upload(scale, hd);
    }
}
