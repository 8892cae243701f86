package flowscale.runtime.model.flux;

import java.util.Arrays;

/**
 * The hyper-parameters of a FLUX.1 transformer (BFL's {@code FluxParams}), validated on construction.
 * FLUX.1-schnell and -dev are both {@code hidden 3072, 24 heads, 19 double + 38 single blocks, MLP 12288,
 * 64 input channels (16 latent channels packed 2x2), T5 width 4096, CLIP pooled width 768, RoPE axes
 * (16, 56, 56), theta 10000, qkv bias}; dev adds the guidance embedding.
 *
 * @param hiddenSize     width of the token streams ({@code img_in.weight} rows)
 * @param numHeads       attention heads; {@code hiddenSize / numHeads} is the head dim
 * @param depth          double-stream blocks
 * @param depthSingle    single-stream blocks
 * @param mlpHidden      width of the MLPs ({@code mlp_ratio * hiddenSize})
 * @param inChannels     features of one image token ({@code img_in.weight} columns)
 * @param outChannels    features of one velocity token ({@code final_layer.linear.weight} rows)
 * @param contextDim     width of the text tokens {@code txt} ({@code txt_in.weight} columns)
 * @param vecDim         width of the pooled vector {@code vec} ({@code vector_in.in_layer.weight} columns)
 * @param axesDim        RoPE dimensions of the three position axes; they sum to the head dim
 * @param theta          RoPE base
 * @param qkvBias        whether the double blocks' qkv projections have biases
 * @param guidanceEmbed  whether a guidance embedding ({@code guidance_in}) is present (dev)
 */
public record FluxConfig(int hiddenSize, int numHeads, int depth, int depthSingle, int mlpHidden, int inChannels,
                         int outChannels, int contextDim, int vecDim, int[] axesDim, int theta, boolean qkvBias,
                         boolean guidanceEmbed) {

    /** Width of the sinusoidal features of the timestep and guidance embeddings (BFL: 256). */
    public static final int TIME_FEATURES = 256;
    /** BFL's RoPE base. */
    public static final int THETA = 10_000;
    /** FLUX.1's RoPE axes at head dim 128: (index, row, column). */
    public static final int[] FLUX1_AXES = {16, 56, 56};

    public FluxConfig {
        axesDim = axesDim.clone();
        requirePositive("hidden size", hiddenSize);
        requirePositive("heads", numHeads);
        requirePositive("MLP width", mlpHidden);
        requirePositive("input channels", inChannels);
        requirePositive("output channels", outChannels);
        requirePositive("text width", contextDim);
        requirePositive("pooled width", vecDim);
        if (depth < 0 || depthSingle < 0 || depth + depthSingle == 0) {
            throw new IllegalArgumentException("FLUX needs at least one block, got " + depth + " double and " + depthSingle + " single");
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not a multiple of " + numHeads + " heads");
        }
        int hd = hiddenSize / numHeads;
        int sum = 0;
        for (int a : axesDim) {
            if (a <= 0 || a % 2 != 0) throw new IllegalArgumentException("RoPE axis dims " + Arrays.toString(axesDim) + " must be positive and even");
            sum += a;
        }
        if (axesDim.length != 3 || sum != hd) {
            throw new IllegalArgumentException("RoPE axis dims " + Arrays.toString(axesDim) + " must be three and sum to the head dim " + hd);
        }
        requirePositive("RoPE theta", theta);
    }

    private static void requirePositive(String what, int v) {
        if (v <= 0) throw new IllegalArgumentException("FLUX " + what + " must be positive, got " + v);
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    @Override
    public int[] axesDim() {
        return axesDim.clone();
    }

    /** The released model this configuration is, or a description of a FLUX-architecture model. */
    public String variant() {
        boolean flux1 = hiddenSize == 3072 && numHeads == 24 && depth == 19 && depthSingle == 38 && mlpHidden == 12288
                && inChannels == 64 && outChannels == 64 && contextDim == 4096 && vecDim == 768
                && Arrays.equals(axesDim, FLUX1_AXES) && qkvBias;
        if (flux1) return guidanceEmbed ? "FLUX.1-dev" : "FLUX.1-schnell";
        return "FLUX-architecture (" + (guidanceEmbed ? "dev-style, guidance embedding" : "schnell-style, no guidance embedding") + ")";
    }

    /** One line: the variant and its sizes. */
    public String summary() {
        return variant() + ": hidden " + hiddenSize + ", " + numHeads + " heads of " + headDim() + ", " + depth + " double + "
                + depthSingle + " single blocks, MLP " + mlpHidden + ", in " + inChannels + ", out " + outChannels + ", txt "
                + contextDim + ", vec " + vecDim + ", RoPE axes " + Arrays.toString(axesDim) + (qkvBias ? ", qkv bias" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FluxConfig c && c.hiddenSize == hiddenSize && c.numHeads == numHeads && c.depth == depth
                && c.depthSingle == depthSingle && c.mlpHidden == mlpHidden && c.inChannels == inChannels
                && c.outChannels == outChannels && c.contextDim == contextDim && c.vecDim == vecDim
                && Arrays.equals(c.axesDim, axesDim) && c.theta == theta && c.qkvBias == qkvBias && c.guidanceEmbed == guidanceEmbed;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new int[] {hiddenSize, numHeads, depth, depthSingle, mlpHidden, inChannels, outChannels,
                contextDim, vecDim, Arrays.hashCode(axesDim), theta, qkvBias ? 1 : 0, guidanceEmbed ? 1 : 0});
    }

    @Override
    public String toString() {
        return summary();
    }
}
