package flowscale.runtime.model.flux;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where each BFL-named tensor ({@link FluxParameters}) is stored in a layout: the declarative key map, one per
 * layout. A BFL tensor is the row-wise concatenation of its {@link Slice}s: one whole tensor in BFL's layout;
 * in diffusers', q, k and v (and, in single blocks, the MLP input) are separate tensors fused here, and the
 * final layer's modulation, stored as (scale, shift), is read as BFL's (shift, scale) by taking its halves
 * in swapped order.
 */
public final class FluxKeyMap {
    private FluxKeyMap() {}

    /**
     * Rows {@code [rowStart, rowStart + rows)} of the stored tensor {@code key} (stored shape {@code storedShape},
     * unprefixed name), a row being one element of a 1-D tensor.
     */
    public record Slice(String key, long[] storedShape, long rowStart, long rows) {}

    /** For every BFL name of {@link FluxParameters#of}, in its order, the slices it is made of in {@code layout}. */
    public static Map<String, List<Slice>> of(FluxLayout layout, FluxConfig c) {
        Map<String, long[]> params = FluxParameters.of(c);
        Map<String, List<Slice>> map = new LinkedHashMap<>();
        Rules r = new Rules(params, map);
        if (layout == FluxLayout.BFL) {
            for (Map.Entry<String, long[]> e : params.entrySet()) {
                map.put(e.getKey(), List.of(new Slice(e.getKey(), e.getValue(), 0, e.getValue()[0])));
            }
            return Collections.unmodifiableMap(map);
        }
        long d = c.hiddenSize(), m = c.mlpHidden();
        r.linear("img_in", "x_embedder");
        r.linear("time_in.in_layer", "time_text_embed.timestep_embedder.linear_1");
        r.linear("time_in.out_layer", "time_text_embed.timestep_embedder.linear_2");
        r.linear("vector_in.in_layer", "time_text_embed.text_embedder.linear_1");
        r.linear("vector_in.out_layer", "time_text_embed.text_embedder.linear_2");
        if (c.guidanceEmbed()) {
            r.linear("guidance_in.in_layer", "time_text_embed.guidance_embedder.linear_1");
            r.linear("guidance_in.out_layer", "time_text_embed.guidance_embedder.linear_2");
        }
        r.linear("txt_in", "context_embedder");
        for (int i = 0; i < c.depth(); i++) {
            String b = "double_blocks." + i + ".", t = "transformer_blocks." + i + ".";
            r.linear(b + "img_mod.lin", t + "norm1.linear");
            r.linear(b + "txt_mod.lin", t + "norm1_context.linear");
            r.fused(b + "img_attn.qkv", new String[] {t + "attn.to_q", t + "attn.to_k", t + "attn.to_v"}, new long[] {d, d, d});
            r.fused(b + "txt_attn.qkv", new String[] {t + "attn.add_q_proj", t + "attn.add_k_proj", t + "attn.add_v_proj"},
                    new long[] {d, d, d});
            r.tensor(b + "img_attn.norm.query_norm.scale", t + "attn.norm_q.weight");
            r.tensor(b + "img_attn.norm.key_norm.scale", t + "attn.norm_k.weight");
            r.tensor(b + "txt_attn.norm.query_norm.scale", t + "attn.norm_added_q.weight");
            r.tensor(b + "txt_attn.norm.key_norm.scale", t + "attn.norm_added_k.weight");
            r.linear(b + "img_attn.proj", t + "attn.to_out.0");
            r.linear(b + "txt_attn.proj", t + "attn.to_add_out");
            r.linear(b + "img_mlp.0", t + "ff.net.0.proj");
            r.linear(b + "img_mlp.2", t + "ff.net.2");
            r.linear(b + "txt_mlp.0", t + "ff_context.net.0.proj");
            r.linear(b + "txt_mlp.2", t + "ff_context.net.2");
        }
        for (int i = 0; i < c.depthSingle(); i++) {
            String b = "single_blocks." + i + ".", t = "single_transformer_blocks." + i + ".";
            r.fused(b + "linear1", new String[] {t + "attn.to_q", t + "attn.to_k", t + "attn.to_v", t + "proj_mlp"},
                    new long[] {d, d, d, m});
            r.linear(b + "linear2", t + "proj_out");
            r.tensor(b + "norm.query_norm.scale", t + "attn.norm_q.weight");
            r.tensor(b + "norm.key_norm.scale", t + "attn.norm_k.weight");
            r.linear(b + "modulation.lin", t + "norm.linear");
        }
        r.linear("final_layer.linear", "proj_out");
        r.swappedHalves("final_layer.adaLN_modulation.1", "norm_out.linear");
        if (!map.keySet().equals(params.keySet())) {
            throw new IllegalStateException("the diffusers key map does not cover " + params.keySet().stream()
                    .filter(k -> !map.containsKey(k)).toList());
        }
        return Collections.unmodifiableMap(map);
    }

    /** The stored tensors a layout's map reads, by unprefixed name, with their shapes. */
    public static Map<String, long[]> storedTensors(Map<String, List<Slice>> map) {
        Map<String, long[]> stored = new LinkedHashMap<>();
        for (List<Slice> slices : map.values()) {
            for (Slice s : slices) stored.put(s.key(), s.storedShape());
        }
        return stored;
    }

    /** Builds the diffusers entries from the BFL shapes: a "linear" maps both {@code .weight} and {@code .bias}. */
    private record Rules(Map<String, long[]> params, Map<String, List<Slice>> map) {
        void linear(String bfl, String stored) {
            fused(bfl, new String[] {stored}, new long[] {params.get(bfl + ".weight")[0]});
        }

        void fused(String bfl, String[] stored, long[] rows) {
            for (String suffix : new String[] {".weight", ".bias"}) {
                long[] shape = params.get(bfl + suffix);
                if (shape == null) continue; // a qkv without bias
                List<Slice> slices = new ArrayList<>();
                for (int i = 0; i < stored.length; i++) {
                    long[] s = shape.clone();
                    s[0] = rows[i];
                    slices.add(new Slice(stored[i] + suffix, s, 0, rows[i]));
                }
                map.put(bfl + suffix, List.copyOf(slices));
            }
        }

        void tensor(String bfl, String stored) {
            long[] shape = params.get(bfl);
            map.put(bfl, List.of(new Slice(stored, shape, 0, shape[0])));
        }

        /** BFL's (shift, scale) from a stored (scale, shift): the second half first. */
        void swappedHalves(String bfl, String stored) {
            for (String suffix : new String[] {".weight", ".bias"}) {
                long[] shape = params.get(bfl + suffix);
                long half = shape[0] / 2;
                map.put(bfl + suffix, List.of(new Slice(stored + suffix, shape, half, half), new Slice(stored + suffix, shape, 0, half)));
            }
        }
    }
}
