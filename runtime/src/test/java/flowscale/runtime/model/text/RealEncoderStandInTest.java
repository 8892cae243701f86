package flowscale.runtime.model.text;

import flowscale.loader.DType;
import flowscale.runtime.model.clip.ClipTextConfig;
import flowscale.runtime.model.clip.ClipTextEncoder;
import flowscale.runtime.model.t5.T5Encoder;
import flowscale.runtime.model.t5.T5EncoderConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real encoders FLUX ships, as header-exact stand-ins built here: FLUX's {@code text_encoder/} (CLIP-L's text
 * tower, 123 M parameters, BF16, transformers-4 keys with the {@code text_model.} prefix) and {@code text_encoder_2/}
 * (the T5-XXL encoder, 4.76 B parameters, BF16, in two shards with an index). Their data are holes, so recognising
 * them, inferring the configuration and planning memory must work from the headers and config.json alone.
 * The key lists below are written out from the transformers module layout, independently of the families'
 * key maps, so that a drift in those maps fails here.
 */
class RealEncoderStandInTest {
    @TempDir
    Path dir;

    @Test
    void clipLIsRecognisedWithItsConfigurationAndMemoryPlan() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("text_encoder"));
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["CLIPTextModel"], "attention_dropout": 0.0, "bos_token_id": 0, "dropout": 0.0,
                 "eos_token_id": 2, "hidden_act": "quick_gelu", "hidden_size": 768, "initializer_factor": 1.0,
                 "initializer_range": 0.02, "intermediate_size": 3072, "layer_norm_eps": 1e-05,
                 "max_position_embeddings": 77, "model_type": "clip_text_model", "num_attention_heads": 12,
                 "num_hidden_layers": 12, "pad_token_id": 1, "projection_dim": 768, "torch_dtype": "bfloat16",
                 "vocab_size": 49408}
                """);
        Map<String, long[]> keys = new LinkedHashMap<>();
        String p = "text_model.";
        keys.put(p + "embeddings.token_embedding.weight", new long[] {49408, 768});
        keys.put(p + "embeddings.position_embedding.weight", new long[] {77, 768});
        for (int i = 0; i < 12; i++) {
            String l = p + "encoder.layers." + i + ".";
            for (String proj : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                keys.put(l + "self_attn." + proj + ".weight", new long[] {768, 768});
                keys.put(l + "self_attn." + proj + ".bias", new long[] {768});
            }
            for (String norm : new String[] {"layer_norm1", "layer_norm2"}) {
                keys.put(l + norm + ".weight", new long[] {768});
                keys.put(l + norm + ".bias", new long[] {768});
            }
            keys.put(l + "mlp.fc1.weight", new long[] {3072, 768});
            keys.put(l + "mlp.fc1.bias", new long[] {3072});
            keys.put(l + "mlp.fc2.weight", new long[] {768, 3072});
            keys.put(l + "mlp.fc2.bias", new long[] {768});
        }
        keys.put(p + "final_layer_norm.weight", new long[] {768});
        keys.put(p + "final_layer_norm.bias", new long[] {768});
        long data = SparseSafetensors.write(folder.resolve("model.safetensors"), keys, DType.BF16);

        EncoderPlan<ClipTextConfig> plan = ClipTextEncoder.plan(folder);
        assertEquals(new ClipTextConfig("text_model.", 49408, 768, 3072, 12, 12, 77, 1e-5f, 2), plan.config());
        assertEquals(123_060_480L, plan.memory().parameters());
        assertEquals(2 * 123_060_480L, data);
        assertEquals(Map.of(DType.BF16, 2 * 123_060_480L), plan.memory().storedBytesByDType());
        // Bound: matrices and embedding tables stay BF16, the 1-D tensors (biases, norms: 121,344 values) become F32.
        long vectors = vectorElements(keys);
        assertEquals(12 * (4 * 768 + 4 * 768 + 3072 + 768) + 2 * 768, vectors);
        assertEquals(2 * 123_060_480L + 2 * vectors, plan.memory().boundBytes());
        try (EncoderFolder f = EncoderFolder.open(folder)) {
            assertTrue(ClipTextConfig.recognises(f.tensors()));
            assertFalse(T5EncoderConfig.recognises(f.tensors()));
        }
    }

    @Test
    void t5XxlInTwoShardsIsRecognisedWithItsConfigurationAndMemoryPlan() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("text_encoder_2"));
        Files.writeString(folder.resolve("config.json"), """
                {"architectures": ["T5EncoderModel"], "classifier_dropout": 0.0, "d_ff": 10240, "d_kv": 64,
                 "d_model": 4096, "decoder_start_token_id": 0, "dense_act_fn": "gelu_new", "dropout_rate": 0.1,
                 "eos_token_id": 1, "feed_forward_proj": "gated-gelu", "initializer_factor": 1.0,
                 "is_encoder_decoder": true, "is_gated_act": true, "layer_norm_epsilon": 1e-06, "model_type": "t5",
                 "num_decoder_layers": 24, "num_heads": 64, "num_layers": 24, "output_past": true, "pad_token_id": 0,
                 "relative_attention_max_distance": 128, "relative_attention_num_buckets": 32,
                 "tie_word_embeddings": false, "torch_dtype": "bfloat16", "vocab_size": 32128}
                """);
        // Shard 1: the embedding and blocks 0-11; shard 2: blocks 12-23 and the final norm (about 4.9 + 4.6 GB).
        Map<String, long[]> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        first.put("shared.weight", new long[] {32128, 4096});
        for (int i = 0; i < 24; i++) {
            Map<String, long[]> shard = i < 12 ? first : second;
            String b = "encoder.block." + i + ".layer.";
            for (String m : new String[] {"q", "k", "v", "o"}) shard.put(b + "0.SelfAttention." + m + ".weight", new long[] {4096, 4096});
            if (i == 0) shard.put(b + "0.SelfAttention.relative_attention_bias.weight", new long[] {32, 64});
            shard.put(b + "0.layer_norm.weight", new long[] {4096});
            shard.put(b + "1.DenseReluDense.wi_0.weight", new long[] {10240, 4096});
            shard.put(b + "1.DenseReluDense.wi_1.weight", new long[] {10240, 4096});
            shard.put(b + "1.DenseReluDense.wo.weight", new long[] {4096, 10240});
            shard.put(b + "1.layer_norm.weight", new long[] {4096});
        }
        second.put("encoder.final_layer_norm.weight", new long[] {4096});
        String[] names = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
        long total = SparseSafetensors.write(folder.resolve(names[0]), first, DType.BF16)
                + SparseSafetensors.write(folder.resolve(names[1]), second, DType.BF16);
        StringBuilder index = new StringBuilder("{\"metadata\": {\"total_size\": " + total + "}, \"weight_map\": {");
        String sep = "";
        for (String k : first.keySet()) { index.append(sep).append('"').append(k).append("\": \"").append(names[0]).append('"'); sep = ", "; }
        for (String k : second.keySet()) { index.append(sep).append('"').append(k).append("\": \"").append(names[1]).append('"'); }
        Files.writeString(folder.resolve("model.safetensors.index.json"), index.append("}}").toString());

        EncoderPlan<T5EncoderConfig> plan = T5Encoder.plan(folder);
        assertEquals(new T5EncoderConfig(32128, 4096, 64, 64, 10240, 24, 32, 128, 1e-6f), plan.config());
        long params = 32128L * 4096 + 24L * (4L * 4096 * 4096 + 3L * 10240 * 4096 + 2 * 4096) + 32 * 64 + 4096;
        assertEquals(4_762_310_656L, params);
        assertEquals(params, plan.memory().parameters());
        assertEquals(2 * params, total);
        assertEquals(Map.of(DType.BF16, 2 * params), plan.memory().storedBytesByDType());
        long vectors = vectorElements(first) + vectorElements(second);
        assertEquals(49 * 4096, vectors, "24 x 2 layer norms and the final norm: T5 has no biases");
        assertEquals(2 * params + 2 * vectors, plan.memory().boundBytes(), "no float32 copy of the 4.7 B weights");
        try (EncoderFolder f = EncoderFolder.open(folder)) {
            assertTrue(T5EncoderConfig.recognises(f.tensors()));
            assertFalse(ClipTextConfig.recognises(f.tensors()));
        }
    }

    /** The elements of the 1-D tensors (the ones binding widens to float32). */
    private static long vectorElements(Map<String, long[]> keys) {
        long n = 0;
        for (long[] shape : keys.values()) if (shape.length == 1) n += shape[0];
        return n;
    }
}
