package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Binding by checkpoint key: every failure is one line naming the file and the offending keys. */
class DiTLoadingTest {
    static final DiTConfig CONFIG = DiTConfig.of(16, 1, 2, 2.0, 4, 3);

    @TempDir
    Path dir;
    Backend backend;

    @BeforeEach
    void open() {
        backend = Backends.create("reference");
    }

    @AfterEach
    void close() {
        backend.close();
    }

    @Test
    void aWrittenCheckpointLoadsWithItsConfig() {
        DiTConfig config = CONFIG.withExtra(Map.of("train.steps", "1200", "train.seed", "9"));
        Path file = dir.resolve("ok.safetensors");
        DiTCheckpoints.random(config, 1, file);
        assertEquals(config, DiTCheckpoints.readConfig(file));
        try (DiT model = DiT.load(file, backend)) {
            assertEquals(config, model.config());
            assertEquals(3 * 32 * 32, model.dim());
        }
    }

    @Test
    void missingTensorsAreListed() {
        Map<String, float[]> w = weights();
        w.remove("blocks.0.attn.qkv.bias");
        w.remove("cond_embedder.null.weight");
        String msg = loadError(writeRaw(CONFIG.toMetadata(), w));
        assertTrue(msg.contains("missing tensors [blocks.0.attn.qkv.bias, cond_embedder.null.weight]"), msg);
        assertFalse(msg.contains("unused"), msg);
    }

    @Test
    void unusedTensorsAreListed() {
        Map<String, float[]> w = weights();
        w.put("blocks.1.attn.qkv.weight", new float[] {1, 2});
        w.put("pos_embed", new float[] {3});
        String msg = loadError(writeRaw(CONFIG.toMetadata(), w));
        assertTrue(msg.contains("unused tensors [blocks.1.attn.qkv.weight, pos_embed]"), msg);
    }

    @Test
    void wrongShapesAreNamed() {
        Map<String, float[]> w = weights();
        Map<String, long[]> shapes = new LinkedHashMap<>(DiTWeights.parameters(CONFIG));
        // Same number of elements, transposed: only the shape check can catch it.
        shapes.put("blocks.0.mlp.fc1.weight", new long[] {16, 32});
        Path file = dir.resolve("shape.safetensors");
        SafetensorsWriter writer = new SafetensorsWriter();
        CONFIG.toMetadata().forEach(writer::metadata);
        shapes.forEach((k, s) -> writer.addF32(k, s, w.get(k)));
        write(writer, file);
        String msg = loadError(file);
        assertTrue(msg.contains("blocks.0.mlp.fc1.weight is [16, 32], expected [32, 16]"), msg);
    }

    @Test
    void inMemoryWeightsAreCheckedByLength() {
        Map<String, float[]> w = weights();
        w.put("final_layer.linear.bias", new float[5]);
        CheckpointException e = assertThrows(CheckpointException.class, () -> DiT.fromWeights(CONFIG, w, backend));
        assertTrue(e.getMessage().contains("final_layer.linear.bias has 5 elements, expected 48 [48]"), e.getMessage());
        assertTrue(e.getMessage().startsWith("checkpoint in-memory weights: "), e.getMessage());
    }

    @Test
    void badMetadataNamesTheKey() {
        Map<String, String> meta = new LinkedHashMap<>(CONFIG.toMetadata());
        meta.remove("num_heads");
        assertTrue(loadError(writeRaw(meta, weights())).contains("metadata key num_heads is missing"));

        meta = new LinkedHashMap<>(CONFIG.toMetadata());
        meta.put("depth", "two");
        assertTrue(loadError(writeRaw(meta, weights())).contains("metadata key depth is 'two', not an integer"));

        meta = new LinkedHashMap<>(CONFIG.toMetadata());
        meta.put("flowscale.arch", "unet");
        assertTrue(loadError(writeRaw(meta, weights())).contains("flowscale.arch is 'unet', expected 'dit'"));

        meta = new LinkedHashMap<>(CONFIG.toMetadata());
        meta.put("num_heads", "3");
        assertTrue(loadError(writeRaw(meta, weights())).contains("hidden_size 16 is not a multiple of num_heads 3"));

        meta = new LinkedHashMap<>(CONFIG.toMetadata());
        meta.put("mlp_ratio", "NaN");
        assertTrue(loadError(writeRaw(meta, weights())).contains("metadata key mlp_ratio is 'NaN', not a finite number"));
    }

    @Test
    void bf16AndF16TensorsAreConverted() {
        Map<String, float[]> w = weights();
        Path file = dir.resolve("half.safetensors");
        SafetensorsWriter writer = new SafetensorsWriter();
        CONFIG.toMetadata().forEach(writer::metadata);
        int i = 0;
        for (Map.Entry<String, long[]> e : DiTWeights.parameters(CONFIG).entrySet()) {
            if (i++ % 2 == 0) writer.addBf16(e.getKey(), e.getValue(), w.get(e.getKey()));
            else writer.addF16(e.getKey(), e.getValue(), w.get(e.getKey()));
        }
        write(writer, file);
        try (DiT model = DiT.load(file, backend)) {
            float[] x = new float[model.dim()];
            float[][] out = new float[1][model.dim()];
            model.velocity(1, new float[][] {x}, new double[] {0.3}, new Condition[] {Condition.NONE}, out);
            for (float v : out[0]) assertTrue(Float.isFinite(v));
        }
    }

    @Test
    void conditionsOutsideTheVocabularyAreRejected() {
        try (DiT model = DiT.fromWeights(CONFIG, weights(), backend)) {
            float[][] x = {new float[model.dim()]};
            float[][] out = {new float[model.dim()]};
            Condition badColour = new Condition("5 purple", new int[][] {{1, 4, 0}});
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> model.velocity(1, x, new double[] {0.5}, new Condition[] {badColour}, out));
            assertTrue(e.getMessage().contains("colour id 4 outside [0, 4)"), e.getMessage());
            Condition tooMany = new Condition("four groups", new int[][] {{1, 0, 0}, {1, 1, 0}, {1, 2, 0}, {1, 3, 0}});
            e = assertThrows(IllegalArgumentException.class,
                    () -> model.velocity(1, x, new double[] {0.5}, new Condition[] {tooMany}, out));
            assertTrue(e.getMessage().contains("has 4 groups; the model takes at most 3"), e.getMessage());
            assertEquals(0, model.nfe());
        }
    }

    @Test
    void parameterNamesFollowTheCheckpointKeys() {
        Map<String, long[]> p = DiTWeights.parameters(DiTConfig.of(32, 2, 2, 4.0, 5, 3));
        assertEquals(19 + 2 * 10, p.size());
        assertTrue(p.containsKey("blocks.1.adaLN_modulation.1.weight"));
        assertEquals(java.util.List.of(32L, 3L, 4L, 4L), java.util.Arrays.stream(p.get("x_embedder.proj.weight")).boxed().toList());
        assertEquals(java.util.List.of(192L, 32L), java.util.Arrays.stream(p.get("blocks.0.adaLN_modulation.1.weight")).boxed().toList());
    }

    private Map<String, float[]> weights() {
        return new LinkedHashMap<>(DiTCheckpoints.randomWeights(CONFIG, 5));
    }

    private String loadError(Path file) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> DiT.load(file, backend));
        String msg = e.getMessage();
        assertFalse(msg.contains("\n"), msg);
        assertTrue(msg.startsWith("checkpoint " + file + ": "), msg);
        return msg;
    }

    /** Writes tensors with shapes taken from the config where known, flat otherwise. */
    private Path writeRaw(Map<String, String> meta, Map<String, float[]> w) {
        Map<String, long[]> shapes = DiTWeights.parameters(CONFIG);
        Path file = dir.resolve("raw" + System.nanoTime() + ".safetensors");
        SafetensorsWriter writer = new SafetensorsWriter();
        meta.forEach(writer::metadata);
        w.forEach((k, v) -> writer.addF32(k, shapes.getOrDefault(k, new long[] {v.length}), v));
        write(writer, file);
        return file;
    }

    private static void write(SafetensorsWriter writer, Path file) {
        try {
            writer.write(file);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
