package flowscale.runtime.model.t5;

import flowscale.loader.TensorInfo;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.text.CheckpointKeys;
import flowscale.runtime.model.text.EncoderFolder;

import java.util.Map;

/**
 * The shape of a transformers {@code T5EncoderModel} with the gated-GELU feed-forward of T5 v1.1 (FLUX's
 * {@code text_encoder/2}, T5-XXL: d_model 4096, 24 blocks, 64 heads of 64, d_ff 10240, vocabulary 32,128,
 * 32 relative buckets up to distance 128). Widths, depth, heads, buckets and vocabulary come from the tensor
 * shapes; {@code d_kv}, the bucket range and epsilon from {@code config.json}, checked against the shapes.
 */
public record T5EncoderConfig(int vocabSize, int dModel, int numHeads, int dKv, int dFf, int numLayers,
                              int relativeAttentionNumBuckets, int relativeAttentionMaxDistance, float layerNormEpsilon) {

    static final String RELATIVE_BIAS = "encoder.block.0.layer.0.SelfAttention.relative_attention_bias.weight";

    public T5EncoderConfig {
        if (vocabSize <= 0 || dModel <= 0 || numHeads <= 0 || dKv <= 0 || dFf <= 0 || numLayers <= 0) {
            throw new IllegalArgumentException("T5 encoder config needs positive sizes, got vocab " + vocabSize + ", d_model "
                    + dModel + ", heads " + numHeads + ", d_kv " + dKv + ", d_ff " + dFf + ", layers " + numLayers);
        }
        if (relativeAttentionNumBuckets < 4 || relativeAttentionNumBuckets % 4 != 0) {
            // Half the buckets per direction, half of those exact: the bucket formula needs a multiple of 4.
            throw new IllegalArgumentException("T5 encoder config: relative_attention_num_buckets "
                    + relativeAttentionNumBuckets + " must be a positive multiple of 4");
        }
        if (relativeAttentionMaxDistance <= relativeAttentionNumBuckets / 4) {
            throw new IllegalArgumentException("T5 encoder config: relative_attention_max_distance "
                    + relativeAttentionMaxDistance + " must exceed the exact range " + relativeAttentionNumBuckets / 4);
        }
        if (!(layerNormEpsilon > 0f)) throw new IllegalArgumentException("T5 encoder config: layer_norm_epsilon must be positive");
    }

    /** Width of the attention's q, k, v and of the input of o: heads x d_kv (need not equal d_model). */
    public int innerDim() {
        return numHeads * dKv;
    }

    public static boolean recognises(Map<String, TensorInfo> tensors) {
        return tensors.containsKey(RELATIVE_BIAS) && tensors.containsKey("encoder.block.0.layer.0.SelfAttention.q.weight");
    }

    /**
     * The configuration of the model in {@code folder}.
     *
     * @throws CheckpointException when it is not a T5 encoder, its feed-forward is not gated-GELU, or config.json
     *                             disagrees with the shapes
     */
    public static T5EncoderConfig infer(EncoderFolder folder) {
        Map<String, TensorInfo> t = folder.tensors();
        String where = "T5 encoder " + folder.dir();
        if (!recognises(t)) {
            throw new CheckpointException(where + ": not a T5EncoderModel checkpoint (no " + RELATIVE_BIAS
                    + " and encoder.block.0.layer.0.SelfAttention.q.weight)");
        }
        String ff = folder.configText("feed_forward_proj");
        if (ff == null || !ff.equals("gated-gelu")) {
            throw new CheckpointException(where + ": feed_forward_proj '" + ff + "' is not supported (only gated-gelu, "
                    + "T5 v1.1 / T5-XXL's)");
        }
        String act = folder.configText("dense_act_fn");
        if (act != null && !act.equals("gelu_new")) {
            throw new CheckpointException(where + ": dense_act_fn '" + act + "' is not supported (only gelu_new, the tanh GELU)");
        }
        TensorInfo bias = t.get(RELATIVE_BIAS);
        TensorInfo q = t.get("encoder.block.0.layer.0.SelfAttention.q.weight");
        TensorInfo wi0 = t.get("encoder.block.0.layer.1.DenseReluDense.wi_0.weight");
        TensorInfo embedding = t.get(T5EncoderWeights.EMBEDDING);
        if (embedding == null) embedding = t.get(T5EncoderWeights.ENCODER_EMBEDDING);
        if (bias.rank() != 2 || q.rank() != 2 || wi0 == null || wi0.rank() != 2 || embedding == null || embedding.rank() != 2) {
            throw new CheckpointException(where + ": the relative bias, block 0's q and wi_0 and the token embedding "
                    + "(shared.weight) must be present and 2-D");
        }
        int buckets = Math.toIntExact(bias.dim(0)), heads = Math.toIntExact(bias.dim(1));
        int inner = Math.toIntExact(q.dim(0)), dModel = Math.toIntExact(q.dim(1));
        int dFf = Math.toIntExact(wi0.dim(0));
        int vocab = Math.toIntExact(embedding.dim(0));
        int layers = CheckpointKeys.countIndexed(t.keySet(), "encoder.block.");
        folder.agree(where, "d_model", dModel);
        folder.agree(where, "num_heads", heads);
        folder.agree(where, "d_ff", dFf);
        folder.agree(where, "num_layers", layers);
        folder.agree(where, "vocab_size", vocab);
        folder.agree(where, "relative_attention_num_buckets", buckets);
        int dKv = folder.configInt("d_kv", heads == 0 ? 0 : inner / heads);
        if ((long) dKv * heads != inner) {
            throw new CheckpointException(where + ": " + heads + " heads of d_kv " + dKv + " do not make the attention width "
                    + inner + " of q.weight");
        }
        int maxDistance = folder.configInt("relative_attention_max_distance", 128);
        float eps = (float) folder.configDouble("layer_norm_epsilon", 1e-6);
        try {
            return new T5EncoderConfig(vocab, dModel, heads, dKv, dFf, layers, buckets, maxDistance, eps);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(where + ": " + e.getMessage(), e);
        }
    }
}
