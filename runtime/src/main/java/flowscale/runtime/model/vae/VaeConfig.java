package flowscale.runtime.model.vae;

import java.util.Arrays;

/**
 * The shape of a FLUX-style VAE decoder (BFL's {@code AutoEncoderParams}, decoder half), validated here.
 *
 * @param latentChannels {@code z_channels}: 16 for FLUX.1
 * @param levelChannels  channels of each resolution level, finest first ({@code ch * ch_mult[i]}, diffusers'
 *                       {@code block_out_channels}): (128, 256, 512, 512) for FLUX.1
 * @param numResBlocks   BFL's {@code num_res_blocks}; the decoder runs one more block than that per level
 * @param outChannels    image channels (3)
 * @param groups         GroupNorm groups (32 in BFL's code; diffusers' {@code norm_num_groups})
 * @param scaleFactor    latents are stored as {@code (z - shift) * scale}; decoding divides by it first
 * @param shiftFactor    see {@code scaleFactor}
 */
public record VaeConfig(int latentChannels, int[] levelChannels, int numResBlocks, int outChannels, int groups,
                        double scaleFactor, double shiftFactor) {

    /** FLUX.1's latent scaling ({@code flux/util.py}); BFL's {@code ae.safetensors} does not store it. */
    public static final double FLUX_SCALE_FACTOR = 0.3611;
    public static final double FLUX_SHIFT_FACTOR = 0.1159;
    /** BFL's decoder hard-codes GroupNorm(32 groups, eps 1e-6). */
    public static final int BFL_GROUPS = 32;
    public static final float NORM_EPS = 1e-6f;

    public VaeConfig {
        levelChannels = levelChannels.clone();
        if (latentChannels < 1 || outChannels < 1 || numResBlocks < 0 || levelChannels.length < 1 || groups < 1) {
            throw new IllegalArgumentException("VAE config: latent channels " + latentChannels + ", levels "
                    + Arrays.toString(levelChannels) + ", res blocks " + numResBlocks + ", out channels " + outChannels
                    + ", groups " + groups + " must be positive (res blocks non-negative)");
        }
        for (int c : levelChannels) {
            if (c < 1 || c % groups != 0) {
                throw new IllegalArgumentException("VAE config: level channels " + Arrays.toString(levelChannels)
                        + " must be positive multiples of the " + groups + " GroupNorm groups");
            }
        }
        if (!(scaleFactor != 0.0 && Double.isFinite(scaleFactor) && Double.isFinite(shiftFactor))) {
            throw new IllegalArgumentException("VAE config: scale factor " + scaleFactor + " and shift factor "
                    + shiftFactor + " must be finite, the scale non-zero");
        }
    }

    @Override
    public int[] levelChannels() {
        return levelChannels.clone();
    }

    public int levels() {
        return levelChannels.length;
    }

    public int channels(int level) {
        return levelChannels[level];
    }

    /** Channels of the coarsest level, where conv_in and the mid block work. */
    public int topChannels() {
        return levelChannels[levelChannels.length - 1];
    }

    /** Res blocks per level in the decoder. */
    public int decoderBlocks() {
        return numResBlocks + 1;
    }

    /** Image pixels per latent pixel along each side: 2^(levels - 1) (8 for FLUX.1). */
    public int upsampling() {
        return 1 << (levelChannels.length - 1);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VaeConfig c && c.latentChannels == latentChannels && Arrays.equals(c.levelChannels, levelChannels)
                && c.numResBlocks == numResBlocks && c.outChannels == outChannels && c.groups == groups
                && Double.compare(c.scaleFactor, scaleFactor) == 0 && Double.compare(c.shiftFactor, shiftFactor) == 0;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(levelChannels) * 31 + latentChannels;
    }

    @Override
    public String toString() {
        return "VAE decoder: " + latentChannels + " latent channels, levels " + Arrays.toString(levelChannels) + ", "
                + decoderBlocks() + " res blocks per level, " + outChannels + " image channels, " + groups
                + " groups, upsampling x" + upsampling() + ", scale " + scaleFactor + ", shift " + shiftFactor;
    }
}
