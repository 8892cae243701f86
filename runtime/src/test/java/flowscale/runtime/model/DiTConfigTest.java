package flowscale.runtime.model;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DiTConfigTest {

    @Test
    void metadataRoundTripsWithExtraKeys() {
        DiTConfig c = DiTConfig.of(256, 6, 4, 4.0, 6, 3).withExtra(Map.of("train.loss", "0.031"));
        Map<String, String> meta = c.toMetadata();
        assertEquals("dit", meta.get("flowscale.arch"));
        assertEquals("4", meta.get("mlp_ratio"));
        assertEquals("0.031", meta.get("train.loss"));
        assertEquals(c, DiTConfig.fromMetadata(meta));
        DiTConfig half = new DiTConfig(32, 3, 4, 64, 1, 2, 2.5, 256, 3, 4, 6, 3, Map.of());
        assertEquals(half, DiTConfig.fromMetadata(half.toMetadata()));
        assertEquals(160, half.mlpHidden());
    }

    @Test
    void derivedSizes() {
        DiTConfig c = DiTConfig.of(48, 2, 4, 4.0, 5, 3);
        assertEquals(8, c.gridSize());
        assertEquals(64, c.imageTokens());
        assertEquals(67, c.sequenceLength());
        assertEquals(48, c.patchFeatures());
        assertEquals(3072, c.imageFloats());
        assertEquals(12, c.headDim());
        assertEquals(192, c.mlpHidden());
    }

    @Test
    void invalidConfigsAreRejectedWithTheReason() {
        assertMessage("hidden_size 30 is not a multiple of num_heads 4", () -> DiTConfig.of(30, 1, 4, 4, 5, 3));
        assertMessage("hidden_size 18 is not a multiple of 4", () -> DiTConfig.of(18, 1, 2, 4, 5, 3));
        assertMessage("image_size 32 is not a multiple of patch_size 5",
                () -> new DiTConfig(32, 3, 5, 32, 1, 1, 4, 256, 3, 4, 5, 3, Map.of()));
        assertMessage("metadata key depth must be positive, got 0", () -> DiTConfig.of(32, 0, 1, 4, 5, 3));
        assertMessage("mlp_ratio -1.0 must be positive", () -> DiTConfig.of(32, 1, 1, -1, 5, 3));
        assertMessage("extra metadata repeats the config key depth", () -> DiTConfig.of(32, 1, 1, 4, 5, 3).withExtra(Map.of("depth", "2")));
    }

    @Test
    void missingOrMalformedMetadataNamesTheKey() {
        Map<String, String> meta = new java.util.HashMap<>(DiTConfig.of(32, 1, 1, 4, 5, 3).toMetadata());
        meta.remove("num_colours");
        assertMessage("metadata key num_colours is missing", () -> DiTConfig.fromMetadata(meta));
        meta.put("num_colours", "5.5");
        assertMessage("metadata key num_colours is '5.5', not an integer", () -> DiTConfig.fromMetadata(meta));
        meta.remove("flowscale.arch");
        assertMessage("metadata key flowscale.arch is missing", () -> DiTConfig.fromMetadata(meta));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        assertTrue(ex.getMessage().contains(expected), ex.getMessage());
    }
}
