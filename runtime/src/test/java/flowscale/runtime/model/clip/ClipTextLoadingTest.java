package flowscale.runtime.model.clip;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsFile;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.text.FolderWriter;
import flowscale.runtime.model.text.TextGoldens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading CLIP text folders: both key layouts, and one-line errors naming every bad tensor. */
class ClipTextLoadingTest {
    static final Path FIXTURE = TextGoldens.resource("clip-tiny-text");

    @TempDir
    Path dir;

    @Test
    void theTransformers4LayoutWithTextModelPrefixAndPositionIdsGivesTheSameStates() {
        Map<String, Map.Entry<long[], float[]>> prefixed = new LinkedHashMap<>();
        FolderWriter.read(FIXTURE).forEach((k, v) -> prefixed.put("text_model." + k, v));
        // The arange buffer older transformers saved beside the weights (stored here as F32; it is never read).
        prefixed.put("text_model.embeddings.position_ids", Map.entry(new long[] {1, 77}, new float[77]));
        Path folder = FolderWriter.single(FIXTURE, dir.resolve("prefixed"), prefixed);
        try (Backend backend = Backends.create("cpu");
             SafetensorsFile golden = SafetensorsFile.open(TextGoldens.resource("clip-tiny-golden.safetensors"))) {
            int[][] ids = TextGoldens.ids(golden, "in.input_ids");
            try (ClipTextEncoder fixture = ClipTextEncoder.load(FIXTURE, backend);
                 ClipTextEncoder encoder = ClipTextEncoder.load(folder, backend)) {
                ClipTextOutput plain = fixture.encode(ids);
                assertEquals("text_model.", encoder.config().keyPrefix());
                ClipTextOutput out = encoder.encode(ids);
                assertArrayEquals(plain.lastHiddenState(), out.lastHiddenState());
                assertArrayEquals(plain.pooled(), out.pooled());
            }
        }
    }

    @Test
    void everyMissingUnexpectedAndMisShapedTensorIsNamedInOneLine() {
        Map<String, Map.Entry<long[], float[]>> t = FolderWriter.read(FIXTURE);
        t.remove("encoder.layers.1.self_attn.v_proj.bias");
        t.put("encoder.layers.0.self_attn.qkv.weight", Map.entry(new long[] {48, 16}, new float[48 * 16]));
        t.put("final_layer_norm.bias", Map.entry(new long[] {15}, new float[15]));
        String msg = loadError(FolderWriter.single(FIXTURE, dir.resolve("bad"), t));
        assertFalse(msg.contains("\n"), msg);
        assertTrue(msg.contains("missing tensors [encoder.layers.1.self_attn.v_proj.bias]"), msg);
        assertTrue(msg.contains("unexpected tensors [encoder.layers.0.self_attn.qkv.weight]"), msg);
        assertTrue(msg.contains("final_layer_norm.bias is [15], expected [16]"), msg);
    }

    @Test
    void anUnsupportedActivationOrAContradictingConfigIsRefused() {
        Path folder = FolderWriter.single(FIXTURE, dir.resolve("cfg"), FolderWriter.read(FIXTURE));
        FolderWriter.copyConfig(FIXTURE, folder, c -> c.replace("\"quick_gelu\"", "\"gelu\""));
        assertTrue(loadError(folder).endsWith("hidden_act 'gelu' is not supported (only quick_gelu, CLIP-L's)"));
        FolderWriter.copyConfig(FIXTURE, folder, c -> c.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 12"));
        assertTrue(loadError(folder).endsWith("config.json says num_hidden_layers 12 but the weights have 2"));
        FolderWriter.copyConfig(FIXTURE, folder, c -> c.replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 3"));
        assertTrue(loadError(folder).endsWith("hidden size 16 is not divisible by 3 heads"));
    }

    @Test
    void encodingRefusesIdsOutsideTheModel() {
        try (Backend backend = Backends.create("reference");
             ClipTextEncoder encoder = ClipTextEncoder.load(FIXTURE, backend)) {
            assertThrows(IllegalArgumentException.class, () -> encoder.encode(new int[][] {{49406, 49408}}));
            assertThrows(IllegalArgumentException.class, () -> encoder.encode(new int[][] {new int[78]}));
            assertThrows(IllegalArgumentException.class, () -> encoder.encode(new int[][] {{1, 2}, {3}}));
        }
    }

    private static String loadError(Path folder) {
        try (Backend backend = Backends.create("reference")) {
            return assertThrows(CheckpointException.class, () -> ClipTextEncoder.load(folder, backend)).getMessage();
        }
    }
}
