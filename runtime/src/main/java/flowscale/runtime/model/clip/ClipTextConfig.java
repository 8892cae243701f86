package flowscale.runtime.model.clip;

import flowscale.loader.TensorInfo;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.text.CheckpointKeys;
import flowscale.runtime.model.text.EncoderFolder;

import java.util.Map;

/**
 * The shape of a transformers {@code CLIPTextModel} (FLUX's {@code text_encoder/}, CLIP-L: hidden 768, 12
 * layers of 12 heads, MLP 3072, 77 positions, vocabulary 49,408). Widths, depth and vocabulary come from the
 * tensor shapes; heads, epsilon, activation and the end-token id from {@code config.json}, which is checked
 * against the shapes wherever both say something.
 *
 * @param keyPrefix {@code "text_model."} as transformers 4 saves it, or {@code ""} as transformers 5 does
 * @param eosTokenId the pooling rule: 2 (the legacy OpenAI configs, CLIP-L's) pools at the largest token id,
 *                   any other value at the first occurrence of that id
 */
public record ClipTextConfig(String keyPrefix, int vocabSize, int hiddenSize, int intermediateSize, int numLayers,
                             int numHeads, int maxPositions, float layerNormEps, int eosTokenId) {

    /** The {@code eos_token_id} of configs written before transformers knew the real one: pool at argmax(ids). */
    static final int LEGACY_EOS_TOKEN_ID = 2;
    static final String TOKEN_EMBEDDING = "embeddings.token_embedding.weight";
    private static final String[] PREFIXES = {"text_model.", ""};

    public ClipTextConfig {
        if (vocabSize <= 0 || hiddenSize <= 0 || intermediateSize <= 0 || numLayers <= 0 || numHeads <= 0 || maxPositions <= 0) {
            throw new IllegalArgumentException("CLIP text config needs positive sizes, got vocab " + vocabSize + ", hidden "
                    + hiddenSize + ", intermediate " + intermediateSize + ", layers " + numLayers + ", heads " + numHeads
                    + ", positions " + maxPositions);
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("CLIP text config: hidden size " + hiddenSize + " is not divisible by "
                    + numHeads + " heads");
        }
        if (!(layerNormEps > 0f)) throw new IllegalArgumentException("CLIP text config: layer_norm_eps must be positive");
    }

    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Pools at argmax(ids) (legacy configs) rather than at the first end token. */
    public boolean poolsAtLargestId() {
        return eosTokenId == LEGACY_EOS_TOKEN_ID;
    }

    /** Whether these tensor names are a CLIP text model's (in either key layout). */
    public static boolean recognises(Map<String, TensorInfo> tensors) {
        return prefix(tensors) != null;
    }

    private static String prefix(Map<String, TensorInfo> tensors) {
        for (String p : PREFIXES) {
            if (tensors.containsKey(p + TOKEN_EMBEDDING) && tensors.containsKey(p + "encoder.layers.0.self_attn.q_proj.weight")) {
                return p;
            }
        }
        return null;
    }

    /**
     * The configuration of the model in {@code folder}.
     *
     * @throws CheckpointException when it is not a CLIP text model, uses an activation other than quick GELU, or
     *                             its config.json disagrees with its shapes
     */
    public static ClipTextConfig infer(EncoderFolder folder) {
        Map<String, TensorInfo> t = folder.tensors();
        String p = prefix(t);
        String where = "CLIP text encoder " + folder.dir();
        if (p == null) {
            throw new CheckpointException(where + ": not a CLIPTextModel checkpoint (no " + TOKEN_EMBEDDING
                    + " and encoder.layers.0.self_attn.q_proj.weight, with or without the text_model. prefix)");
        }
        String act = folder.configText("hidden_act");
        if (act != null && !act.equals("quick_gelu")) {
            throw new CheckpointException(where + ": hidden_act '" + act + "' is not supported (only quick_gelu, CLIP-L's)");
        }
        TensorInfo tokens = t.get(p + TOKEN_EMBEDDING);
        TensorInfo positions = t.get(p + "embeddings.position_embedding.weight");
        TensorInfo fc1 = t.get(p + "encoder.layers.0.mlp.fc1.weight");
        if (tokens.rank() != 2 || positions == null || positions.rank() != 2 || fc1 == null || fc1.rank() != 2) {
            throw new CheckpointException(where + ": token/position embeddings and encoder.layers.0.mlp.fc1.weight must be"
                    + " present and 2-D");
        }
        int vocab = Math.toIntExact(tokens.dim(0)), hidden = Math.toIntExact(tokens.dim(1));
        int layers = CheckpointKeys.countIndexed(t.keySet(), p + "encoder.layers.");
        int intermediate = Math.toIntExact(fc1.dim(0));
        int maxPositions = Math.toIntExact(positions.dim(0));
        folder.agree(where, "vocab_size", vocab);
        folder.agree(where, "hidden_size", hidden);
        folder.agree(where, "num_hidden_layers", layers);
        folder.agree(where, "intermediate_size", intermediate);
        folder.agree(where, "max_position_embeddings", maxPositions);
        int heads = folder.requireInt("num_attention_heads");
        float eps = (float) folder.configDouble("layer_norm_eps", 1e-5);
        int eos = folder.configInt("eos_token_id", LEGACY_EOS_TOKEN_ID);
        try {
            return new ClipTextConfig(p, vocab, hidden, intermediate, layers, heads, maxPositions, eps, eos);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(where + ": " + e.getMessage(), e);
        }
    }
}
