package flowscale.runtime.model.t5;

import flowscale.kernels.Tensor;
import flowscale.loader.TensorInfo;
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
 * A T5 encoder's weights, bound by transformers key ({@link #parameters} is the one key-to-shape map). T5's
 * linear layers have no biases; only block 0 holds the relative-position bias table, which every block uses.
 */
public final class T5EncoderWeights {
    /** The token embedding as {@code T5EncoderModel} saves it (tied to {@code encoder.embed_tokens}). */
    static final String EMBEDDING = "shared.weight";
    /** The same table under its encoder name, which some exports write instead of, or beside, {@code shared}. */
    static final String ENCODER_EMBEDDING = "encoder.embed_tokens.weight";

    /** {@code encoder.block.N}: {@code layer.0} self-attention, {@code layer.1} the gated-GELU feed-forward. */
    public record Block(
            Tensor layer0LayerNormWeight,
            PackedLinear layer0SelfAttentionQ, PackedLinear layer0SelfAttentionK,
            PackedLinear layer0SelfAttentionV, PackedLinear layer0SelfAttentionO,
            Tensor layer1LayerNormWeight,
            PackedLinear layer1DenseReluDenseWi0, PackedLinear layer1DenseReluDenseWi1, PackedLinear layer1DenseReluDenseWo) {}

    public final T5EncoderConfig config;
    /** The token embedding {@code [vocab, d_model]}, looked up on the host in its stored dtype. */
    final EmbeddingTable sharedWeight;
    /** {@code encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight [buckets, heads]}, host. */
    final float[] relativeAttentionBias;
    public final List<Block> blocks;
    public final Tensor encoderFinalLayerNormWeight;

    /** The embedding key this checkpoint uses: {@code shared.weight}, else {@code encoder.embed_tokens.weight}. */
    static String embeddingKey(Map<String, TensorInfo> tensors) {
        return tensors.containsKey(EMBEDDING) || !tensors.containsKey(ENCODER_EMBEDDING) ? EMBEDDING : ENCODER_EMBEDDING;
    }

    /** With {@code shared.weight} bound, a tied copy under the encoder's name carries nothing new. */
    static Set<String> ignorable(String embeddingKey) {
        return embeddingKey.equals(EMBEDDING) ? Set.of(ENCODER_EMBEDDING) : Set.of();
    }

    /** Every weight of a T5 encoder with configuration {@code c}, its embedding under {@code embeddingKey}. */
    public static Map<String, long[]> parameters(T5EncoderConfig c, String embeddingKey) {
        long d = c.dModel(), inner = c.innerDim(), ff = c.dFf();
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put(embeddingKey, new long[] {c.vocabSize(), d});
        for (int i = 0; i < c.numLayers(); i++) {
            String b = "encoder.block." + i + ".layer.";
            s.put(b + "0.layer_norm.weight", new long[] {d});
            s.put(b + "0.SelfAttention.q.weight", new long[] {inner, d});
            s.put(b + "0.SelfAttention.k.weight", new long[] {inner, d});
            s.put(b + "0.SelfAttention.v.weight", new long[] {inner, d});
            s.put(b + "0.SelfAttention.o.weight", new long[] {d, inner});
            if (i == 0) {
                s.put(T5EncoderConfig.RELATIVE_BIAS, new long[] {c.relativeAttentionNumBuckets(), c.numHeads()});
            }
            s.put(b + "1.layer_norm.weight", new long[] {d});
            s.put(b + "1.DenseReluDense.wi_0.weight", new long[] {ff, d});
            s.put(b + "1.DenseReluDense.wi_1.weight", new long[] {ff, d});
            s.put(b + "1.DenseReluDense.wo.weight", new long[] {d, ff});
        }
        s.put("encoder.final_layer_norm.weight", new long[] {d});
        return Collections.unmodifiableMap(s);
    }

    T5EncoderWeights(T5EncoderConfig config, String embeddingKey, WeightBinder w) {
        this.config = config;
        sharedWeight = w.embedding(embeddingKey);
        relativeAttentionBias = w.smallTable(T5EncoderConfig.RELATIVE_BIAS);
        List<Block> bs = new ArrayList<>();
        for (int i = 0; i < config.numLayers(); i++) {
            String b = "encoder.block." + i + ".layer.";
            bs.add(new Block(
                    w.vector(b + "0.layer_norm.weight"),
                    w.linear(b + "0.SelfAttention.q", false), w.linear(b + "0.SelfAttention.k", false),
                    w.linear(b + "0.SelfAttention.v", false), w.linear(b + "0.SelfAttention.o", false),
                    w.vector(b + "1.layer_norm.weight"),
                    w.linear(b + "1.DenseReluDense.wi_0", false), w.linear(b + "1.DenseReluDense.wi_1", false),
                    w.linear(b + "1.DenseReluDense.wo", false)));
        }
        blocks = List.copyOf(bs);
        encoderFinalLayerNormWeight = w.vector("encoder.final_layer_norm.weight");
    }
}
