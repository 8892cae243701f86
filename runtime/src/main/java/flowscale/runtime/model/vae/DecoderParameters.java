package flowscale.runtime.model.vae;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one key-to-shape map of the decoder, in BFL's names ({@code ae.safetensors}, which are the module
 * paths of {@code flux/modules/autoencoder.py}). Other layouts translate these names ({@link VaeLayout}).
 */
public final class DecoderParameters {
    private DecoderParameters() {}

    /** Every decoder tensor the config needs, in forward order. */
    public static Map<String, long[]> shapes(VaeConfig c) {
        Map<String, long[]> p = new LinkedHashMap<>();
        int top = c.topChannels();
        conv(p, "decoder.conv_in", top, c.latentChannels(), 3);
        resnet(p, "decoder.mid.block_1", top, top);
        norm(p, "decoder.mid.attn_1.norm", top);
        for (String s : new String[] {"q", "k", "v", "proj_out"}) conv(p, "decoder.mid.attn_1." + s, top, top, 1);
        resnet(p, "decoder.mid.block_2", top, top);
        int in = top;
        for (int level = c.levels() - 1; level >= 0; level--) {
            int out = c.channels(level);
            for (int b = 0; b < c.decoderBlocks(); b++) {
                resnet(p, "decoder.up." + level + ".block." + b, in, out);
                in = out;
            }
            if (level != 0) conv(p, "decoder.up." + level + ".upsample.conv", in, in, 3);
        }
        norm(p, "decoder.norm_out", in);
        conv(p, "decoder.conv_out", c.outChannels(), in, 3);
        return p;
    }

    private static void resnet(Map<String, long[]> p, String name, int in, int out) {
        norm(p, name + ".norm1", in);
        conv(p, name + ".conv1", out, in, 3);
        norm(p, name + ".norm2", out);
        conv(p, name + ".conv2", out, out, 3);
        if (in != out) conv(p, name + ".nin_shortcut", out, in, 1);
    }

    private static void norm(Map<String, long[]> p, String name, int channels) {
        p.put(name + ".weight", new long[] {channels});
        p.put(name + ".bias", new long[] {channels});
    }

    private static void conv(Map<String, long[]> p, String name, int out, int in, int k) {
        p.put(name + ".weight", new long[] {out, in, k, k});
        p.put(name + ".bias", new long[] {out});
    }
}
