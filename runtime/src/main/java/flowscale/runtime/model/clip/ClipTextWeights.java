package flowscale.runtime.model.clip;

import flowscale.kernels.Tensor;
import flowscale.runtime.model.PackedLinear;
import flowscale.runtime.model.text.EmbeddingTable;
import flowscale.runtime.model.text.WeightBinder;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A CLIP text model's weights, bound by transformers key ({@link #parameters} is the one key-to-shape map;
 * fields are named after the keys without the {@code text_model.} prefix).
 */
public final class ClipTextWeights {

    /** {@code encoder.layers.N}. */
    public record Layer(
            Tensor layerNorm1Weight, Tensor layerNorm1Bias,
            PackedLinear selfAttnQProj, PackedLinear selfAttnKProj, PackedLinear selfAttnVProj, PackedLinear selfAttnOutProj,
            Tensor layerNorm2Weight, Tensor layerNorm2Bias,
            PackedLinear mlpFc1, PackedLinear mlpFc2) {}

    public final ClipTextConfig config;
    /** {@code embeddings.token_embedding.weight [vocab, D]}, looked up on the host in its stored dtype. */
    final EmbeddingTable embeddingsTokenEmbedding;
    /** {@code embeddings.position_embedding.weight [positions, D]}, likewise. */
    final EmbeddingTable embeddingsPositionEmbedding;
    public final List<Layer> layers;
    public final Tensor finalLayerNormWeight, finalLayerNormBias;

    /**
     * Buffers older transformers versions saved beside the weights ({@code position_ids}, the arange 0..76);
     * they carry no learned value, so a checkpoint may hold them and they are not read.
     */
    static Set<String> ignorable(ClipTextConfig c) {
        return Set.of(c.keyPrefix() + "embeddings.position_ids");
    }

    /** Every weight of a CLIP text model with configuration {@code c}, with its shape. */
    public static Map<String, long[]> parameters(ClipTextConfig c) {
        String p = c.keyPrefix();
        long d = c.hiddenSize(), m = c.intermediateSize();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put(p + "embeddings.token_embedding.weight", new long[] {c.vocabSize(), d});
        s.put(p + "embeddings.position_embedding.weight", new long[] {c.maxPositions(), d});
        for (int i = 0; i < c.numLayers(); i++) {
            String l = p + "encoder.layers." + i + ".";
            norm(s, l + "layer_norm1", d);
            linear(s, l + "self_attn.q_proj", d, d);
            linear(s, l + "self_attn.k_proj", d, d);
            linear(s, l + "self_attn.v_proj", d, d);
            linear(s, l + "self_attn.out_proj", d, d);
            norm(s, l + "layer_norm2", d);
            linear(s, l + "mlp.fc1", m, d);
            linear(s, l + "mlp.fc2", d, m);
        }
        norm(s, p + "final_layer_norm", d);
        return Collections.unmodifiableMap(s);
    }

    private static void norm(Map<String, long[]> s, String prefix, long d) {
        s.put(prefix + ".weight", new long[] {d});
        s.put(prefix + ".bias", new long[] {d});
    }

    private static void linear(Map<String, long[]> s, String prefix, long out, long in) {
        s.put(prefix + ".weight", new long[] {out, in});
        s.put(prefix + ".bias", new long[] {out});
    }

    ClipTextWeights(ClipTextConfig config, WeightBinder b) {
        this.config = config;
        String p = config.keyPrefix();
        embeddingsTokenEmbedding = b.embedding(p + "embeddings.token_embedding.weight");
        embeddingsPositionEmbedding = b.embedding(p + "embeddings.position_embedding.weight");
        List<Layer> ls = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            String l = p + "encoder.layers." + i + ".";
            ls.add(new Layer(
                    b.vector(l + "layer_norm1.weight"), b.vector(l + "layer_norm1.bias"),
                    b.linear(l + "self_attn.q_proj", true), b.linear(l + "self_attn.k_proj", true),
                    b.linear(l + "self_attn.v_proj", true), b.linear(l + "self_attn.out_proj", true),
                    b.vector(l + "layer_norm2.weight"), b.vector(l + "layer_norm2.bias"),
                    b.linear(l + "mlp.fc1", true), b.linear(l + "mlp.fc2", true)));
        }
        layers = List.copyOf(ls);
        finalLayerNormWeight = b.vector(p + "final_layer_norm.weight");
        finalLayerNormBias = b.vector(p + "final_layer_norm.bias");
    }
}
