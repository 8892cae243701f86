package flowscale.runtime.model.vae;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoint layouts of the VAE and how each names a decoder tensor of {@link DecoderParameters} (BFL names).
 *
 * <p>diffusers' {@code AutoencoderKL} renames modules and numbers its up blocks from the coarsest level
 * ({@code up_blocks.0} is BFL's {@code up.(levels-1)}), and stores the mid-block attention projections as
 * linear weights {@code [C, C]} instead of 1x1 convolutions {@code [C, C, 1, 1]} (the same numbers).
 */
public enum VaeLayout {
    /** Black Forest Labs' {@code ae.safetensors}: the decoder's module paths under {@code decoder.}. */
    BFL {
        @Override
        public String key(String bflKey, int levels) {
            return bflKey;
        }
    },
    /** diffusers' {@code AutoencoderKL} folder: {@code config.json} + {@code diffusion_pytorch_model.safetensors}. */
    DIFFUSERS {
        private static final Pattern UP = Pattern.compile("^decoder\\.up\\.(\\d+)\\.(block\\.(\\d+)|upsample)\\.(.*)$");

        @Override
        public String key(String bflKey, int levels) {
            Matcher m = UP.matcher(bflKey);
            if (m.matches()) {
                int block = levels - 1 - Integer.parseInt(m.group(1));
                String inner = m.group(3) != null ? "resnets." + m.group(3) + "." + resnet(m.group(4))
                        : "upsamplers.0." + m.group(4);
                return "decoder.up_blocks." + block + "." + inner;
            }
            if (bflKey.startsWith("decoder.mid.block_")) {
                int i = bflKey.charAt("decoder.mid.block_".length()) - '1';
                return "decoder.mid_block.resnets." + i + "." + resnet(bflKey.substring("decoder.mid.block_1.".length()));
            }
            if (bflKey.startsWith("decoder.mid.attn_1.")) {
                String rest = bflKey.substring("decoder.mid.attn_1.".length());
                String module = rest.substring(0, rest.indexOf('.'));
                String renamed = switch (module) {
                    case "norm" -> "group_norm";
                    case "q" -> "to_q";
                    case "k" -> "to_k";
                    case "v" -> "to_v";
                    case "proj_out" -> "to_out.0";
                    default -> module;
                };
                return "decoder.mid_block.attentions.0." + renamed + rest.substring(module.length());
            }
            if (bflKey.startsWith("decoder.norm_out.")) return "decoder.conv_norm_out." + bflKey.substring("decoder.norm_out.".length());
            return bflKey;
        }

        private static String resnet(String rest) {
            return rest.startsWith("nin_shortcut.") ? "conv_shortcut." + rest.substring("nin_shortcut.".length()) : rest;
        }
    };

    /** The name this layout stores BFL's {@code bflKey} under, for a decoder of {@code levels} levels. */
    public abstract String key(String bflKey, int levels);

    /** True for tensors a decoder ignores: the encoder half of a full autoencoder and its quantisation conv. */
    public boolean ignored(String key) {
        return key.startsWith("encoder.") || key.startsWith("quant_conv.");
    }

    /**
     * Whether a stored shape fits the expected one: equal, or for 1x1 convolution weights also the 2-D linear
     * form {@code [out, in]} (diffusers' attention projections), which holds the same numbers in the same order.
     */
    public static boolean fits(long[] stored, long[] expected) {
        if (java.util.Arrays.equals(stored, expected)) return true;
        return expected.length == 4 && expected[2] == 1 && expected[3] == 1 && stored.length == 2
                && stored[0] == expected[0] && stored[1] == expected[1];
    }
}
