package flowscale.runtime.model.flux;

import com.fasterxml.jackson.databind.JsonNode;
import flowscale.loader.TensorInfo;
import flowscale.runtime.model.CheckpointException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A FLUX configuration read off a checkpoint: widths from the shapes of a few anchor tensors, depths from the
 * highest block index, the guidance embedding and the qkv bias from the presence of their tensors, and for a
 * diffusers folder the numbers its {@code config.json} states (cross-checked against the shapes when the map is
 * validated). The RoPE axes are the one thing no shape shows.
 */
final class FluxConfigInference {
    private FluxConfigInference() {}

    /** The names a layout reads its widths from. */
    private record Anchors(String imgIn, String txtIn, String vectorIn, String finalLinear, String doubleBlock,
                           String singleBlock, String doubleQueryNorm, String singleQueryNorm, String doubleMlp,
                           String singleMlp, String doubleQkvBias, String guidance) {}

    private static final Anchors BFL = new Anchors("img_in.weight", "txt_in.weight", "vector_in.in_layer.weight",
            "final_layer.linear.weight", "double_blocks.", "single_blocks.", "double_blocks.0.img_attn.norm.query_norm.scale",
            "single_blocks.0.norm.query_norm.scale", "double_blocks.0.img_mlp.0.weight", "single_blocks.0.linear1.weight",
            "double_blocks.0.img_attn.qkv.bias", "guidance_in.in_layer.weight");
    private static final Anchors DIFFUSERS = new Anchors("x_embedder.weight", "context_embedder.weight",
            "time_text_embed.text_embedder.linear_1.weight", "proj_out.weight", "transformer_blocks.",
            "single_transformer_blocks.", "transformer_blocks.0.attn.norm_q.weight", "single_transformer_blocks.0.attn.norm_q.weight",
            "transformer_blocks.0.ff.net.0.proj.weight", "single_transformer_blocks.0.proj_mlp.weight",
            "transformer_blocks.0.attn.to_q.bias", "time_text_embed.guidance_embedder.linear_1.weight");

    /**
     * @param metadataConfig the file's {@code config} metadata entry parsed (a diffusers-style config, as the
     *                       project's fixtures store it), or null; only its {@code axes_dims_rope} is read
     */
    static FluxConfig infer(FluxLayout layout, Map<String, TensorInfo> tensors, JsonNode diffusersConfig, JsonNode metadataConfig,
                            int[] ropeAxes, String source) {
        Anchors a = layout == FluxLayout.BFL ? BFL : DIFFUSERS;
        List<String> missing = new ArrayList<>();
        long[] imgIn = shape(tensors, a.imgIn, 2, missing);
        long[] txtIn = shape(tensors, a.txtIn, 2, missing);
        long[] vectorIn = shape(tensors, a.vectorIn, 2, missing);
        long[] finalLinear = shape(tensors, a.finalLinear, 2, missing);
        int depth = blocks(tensors, a.doubleBlock), single = blocks(tensors, a.singleBlock);
        long[] queryNorm = depth > 0 ? shape(tensors, a.doubleQueryNorm, 1, missing)
                : shape(tensors, a.singleQueryNorm, 1, missing);
        long[] mlp = depth > 0 ? shape(tensors, a.doubleMlp, 2, missing) : shape(tensors, a.singleMlp, 2, missing);
        if (!missing.isEmpty()) {
            throw new CheckpointException("checkpoint " + source + " (" + layout + " layout) lacks the tensors its configuration is read from: "
                    + missing);
        }
        int hidden = Math.toIntExact(imgIn[0]);
        int headDim = Math.toIntExact(queryNorm[0]);
        int mlpHidden = Math.toIntExact(depth > 0 || layout == FluxLayout.DIFFUSERS ? mlp[0] : mlp[0] - 3L * hidden);
        boolean guidance = tensors.containsKey(a.guidance);
        boolean qkvBias = depth == 0 || tensors.containsKey(a.doubleQkvBias);
        if (headDim <= 0 || hidden % headDim != 0) {
            throw new CheckpointException("checkpoint " + source + ": the query norm's head dim " + headDim
                    + " does not divide the hidden size " + hidden);
        }
        int heads = hidden / headDim;
        if (diffusersConfig != null) {
            int patch = diffusersConfig.path("patch_size").asInt(1);
            if (patch != 1) throw new CheckpointException("checkpoint " + source + ": patch_size " + patch + " (FLUX.1 packs 2x2 before the transformer, patch_size 1)");
            depth = stated(diffusersConfig, "num_layers", depth, source);
            single = stated(diffusersConfig, "num_single_layers", single, source);
            heads = stated(diffusersConfig, "num_attention_heads", heads, source);
            guidance = diffusersConfig.has("guidance_embeds") ? diffusersConfig.get("guidance_embeds").asBoolean() : guidance;
        }
        for (JsonNode stated : new JsonNode[] {diffusersConfig, metadataConfig}) {
            if (ropeAxes == null && stated != null && stated.path("axes_dims_rope").isArray()) {
                JsonNode axes = stated.get("axes_dims_rope");
                ropeAxes = new int[axes.size()];
                for (int i = 0; i < ropeAxes.length; i++) ropeAxes[i] = axes.get(i).asInt();
            }
        }
        if (ropeAxes == null) {
            if (headDim != 128) {
                throw new CheckpointException("checkpoint " + source + " has head dim " + headDim + ": its RoPE axes cannot be read "
                        + "from the file (no config.json or config metadata with axes_dims_rope; FLUX.1's (16, 56, 56) are for head dim 128); "
                        + "give them explicitly (forward: --rope-axes A,B,C)");
            }
            ropeAxes = FluxConfig.FLUX1_AXES;
        }
        try {
            return new FluxConfig(hidden, heads, depth, single, mlpHidden, Math.toIntExact(imgIn[1]), Math.toIntExact(finalLinear[0]),
                    Math.toIntExact(txtIn[1]), Math.toIntExact(vectorIn[1]), ropeAxes, FluxConfig.THETA, qkvBias, guidance);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("checkpoint " + source + " has an impossible FLUX configuration: " + e.getMessage(), e);
        }
    }

    private static long[] shape(Map<String, TensorInfo> tensors, String name, int rank, List<String> missing) {
        TensorInfo t = tensors.get(name);
        if (t == null || t.rank() != rank) {
            missing.add(t == null ? name : name + " (rank " + t.rank() + ", expected " + rank + ")");
            return new long[rank];
        }
        return t.shape();
    }

    /** One more than the highest N of {@code prefix + "N."} among the names (0 if none). */
    private static int blocks(Map<String, TensorInfo> tensors, String prefix) {
        Pattern p = Pattern.compile(Pattern.quote(prefix) + "(\\d+)\\.");
        int n = 0;
        for (String name : tensors.keySet()) {
            Matcher m = p.matcher(name);
            if (m.lookingAt()) n = Math.max(n, Integer.parseInt(m.group(1)) + 1);
        }
        return n;
    }

    /** The config.json's value, which must agree with what the tensors show. */
    private static int stated(JsonNode config, String field, int inferred, String source) {
        if (!config.has(field)) return inferred;
        int v = config.get(field).asInt();
        if (v != inferred) {
            throw new CheckpointException("checkpoint " + source + ": config.json says " + field + " = " + v
                    + " but the tensors show " + inferred);
        }
        return v;
    }
}
