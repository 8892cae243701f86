package flowscale.runtime.model.t5;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsFile;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.text.FolderWriter;
import flowscale.runtime.model.text.TextGoldens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading T5 encoder folders: sharded checkpoints, and one-line errors naming every bad tensor. */
class T5LoadingTest {
    static final Path FIXTURE = TextGoldens.resource("t5-tiny-encoder");

    @TempDir
    Path dir;

    @Test
    void aShardedCheckpointGivesTheSameStatesAsTheSingleFile() {
        Path sharded = FolderWriter.sharded(FIXTURE, dir.resolve("sharded"), FolderWriter.read(FIXTURE),
                name -> name.startsWith("encoder.block.0.") || name.equals("shared.weight"));
        try (Backend backend = Backends.create("cpu");
             SafetensorsFile golden = SafetensorsFile.open(TextGoldens.resource("t5-tiny-golden.safetensors"))) {
            int[][] ids = TextGoldens.ids(golden, "in.input_ids");
            try (T5Encoder fixture = T5Encoder.load(FIXTURE, backend);
                 T5Encoder fromShards = T5Encoder.load(sharded, backend)) {
                float[] single = fixture.encode(ids);
                assertEquals(new T5EncoderConfig(150, 32, 4, 8, 48, 2, 32, 128, 1e-6f), fromShards.config());
                assertArrayEquals(single, fromShards.encode(ids));
            }
        }
    }

    @Test
    void everyMissingUnexpectedAndMisShapedTensorIsNamedInOneLine() {
        Map<String, Map.Entry<long[], float[]>> t = FolderWriter.read(FIXTURE);
        t.remove("encoder.block.1.layer.0.SelfAttention.k.weight");
        t.remove("encoder.final_layer_norm.weight");
        t.put("encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight", Map.entry(new long[] {32, 4}, new float[128]));
        t.put("encoder.block.0.layer.1.DenseReluDense.wo.weight", Map.entry(new long[] {32, 40}, new float[32 * 40]));
        String msg = loadError(FolderWriter.single(FIXTURE, dir.resolve("bad"), t));
        assertFalse(msg.contains("\n"), msg);
        assertTrue(msg.contains("missing tensors [encoder.block.1.layer.0.SelfAttention.k.weight, "
                + "encoder.final_layer_norm.weight]"), msg);
        assertTrue(msg.contains("unexpected tensors [encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight]"), msg);
        assertTrue(msg.contains("encoder.block.0.layer.1.DenseReluDense.wo.weight is [32, 40], expected [32, 48]"), msg);
    }

    @Test
    void aConfigThatContradictsTheShapesIsRefused() {
        Path folder = FolderWriter.single(FIXTURE, dir.resolve("cfg"), FolderWriter.read(FIXTURE));
        FolderWriter.copyConfig(FIXTURE, folder, c -> c.replace("\"d_ff\": 48", "\"d_ff\": 64"));
        assertEquals("T5 encoder " + folder + ": config.json says d_ff 64 but the weights have 48", loadError(folder));
        FolderWriter.copyConfig(FIXTURE, folder, c -> c.replace("\"gated-gelu\"", "\"relu\""));
        assertTrue(loadError(folder).contains("feed_forward_proj 'relu' is not supported"));
    }

    @Test
    void aFolderWithoutWeightsOrNotT5IsRefused() {
        FolderWriter.copyConfig(FIXTURE, dir.resolve("empty"), c -> c);
        assertTrue(loadError(dir.resolve("empty")).contains("has neither model.safetensors nor model.safetensors.index.json"));
        assertTrue(loadError(TextGoldens.resource("clip-tiny-text")).contains("not a T5EncoderModel checkpoint"));
        assertTrue(loadError(dir.resolve("absent")).contains("does not exist"));
    }

    private static String loadError(Path folder) {
        try (Backend backend = Backends.create("reference")) {
            return assertThrows(CheckpointException.class, () -> T5Encoder.load(folder, backend)).getMessage();
        }
    }
}
