package flowscale.runtime.model.flux;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Every tensor of a FLUX.1 transformer under its BFL name (the names of {@code flux/model.py}, which the
 * model's fields follow), with its shape for a configuration: the one declaration the layouts' key maps, the
 * binding and the memory plan all read.
 */
public final class FluxParameters {
    private FluxParameters() {}

    public static Map<String, long[]> of(FluxConfig c) {
        long d = c.hiddenSize(), m = c.mlpHidden(), hd = c.headDim();
        Map<String, long[]> p = new LinkedHashMap<>();
        linear(p, "img_in", d, c.inChannels(), true);
        mlpEmbedder(p, "time_in", FluxConfig.TIME_FEATURES, d);
        mlpEmbedder(p, "vector_in", c.vecDim(), d);
        if (c.guidanceEmbed()) mlpEmbedder(p, "guidance_in", FluxConfig.TIME_FEATURES, d);
        linear(p, "txt_in", d, c.contextDim(), true);
        for (int i = 0; i < c.depth(); i++) {
            String b = "double_blocks." + i + ".";
            for (String stream : new String[] {"img", "txt"}) {
                linear(p, b + stream + "_mod.lin", 6 * d, d, true);
                linear(p, b + stream + "_attn.qkv", 3 * d, d, c.qkvBias());
                p.put(b + stream + "_attn.norm.query_norm.scale", new long[] {hd});
                p.put(b + stream + "_attn.norm.key_norm.scale", new long[] {hd});
                linear(p, b + stream + "_attn.proj", d, d, true);
                linear(p, b + stream + "_mlp.0", m, d, true);
                linear(p, b + stream + "_mlp.2", d, m, true);
            }
        }
        for (int i = 0; i < c.depthSingle(); i++) {
            String b = "single_blocks." + i + ".";
            linear(p, b + "linear1", 3 * d + m, d, true);
            linear(p, b + "linear2", d, d + m, true);
            p.put(b + "norm.query_norm.scale", new long[] {hd});
            p.put(b + "norm.key_norm.scale", new long[] {hd});
            linear(p, b + "modulation.lin", 3 * d, d, true);
        }
        linear(p, "final_layer.linear", c.outChannels(), d, true);
        linear(p, "final_layer.adaLN_modulation.1", 2 * d, d, true);
        return Collections.unmodifiableMap(p);
    }

    private static void mlpEmbedder(Map<String, long[]> p, String name, long in, long d) {
        linear(p, name + ".in_layer", d, in, true);
        linear(p, name + ".out_layer", d, d, true);
    }

    private static void linear(Map<String, long[]> p, String prefix, long out, long in, boolean bias) {
        p.put(prefix + ".weight", new long[] {out, in});
        if (bias) p.put(prefix + ".bias", new long[] {out});
    }

    /** Number of parameters of a model with configuration {@code c}. */
    public static long count(FluxConfig c) {
        long n = 0;
        for (long[] s : of(c).values()) {
            long e = 1;
            for (long x : s) e *= x;
            n += e;
        }
        return n;
    }
}
