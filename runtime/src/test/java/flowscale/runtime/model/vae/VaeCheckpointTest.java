package flowscale.runtime.model.vae;

import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.TensorInfo;
import flowscale.runtime.model.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Recognising VAE checkpoints: layouts, the inferred configuration, and one-line refusals that list every problem. */
class VaeCheckpointTest {
    /** The tiny fixture's config (the golden's metadata: ch 32, ch_mult (1, 2), one res block, z 4). */
    private static final VaeConfig TINY = new VaeConfig(4, new int[] {32, 64}, 1, 3, 32, 0.3611, 0.1159);

    @Test
    void bflFullAutoencoderIsRecognisedAndItsEncoderIgnored() {
        try (VaeCheckpoint c = VaeCheckpoint.open(VaeFixtures.resource(VaeFixtures.BFL_F32))) {
            assertEquals(VaeLayout.BFL, c.layout());
            assertEquals(TINY, c.config());
        }
    }

    @Test
    void bflBf16DecoderIsRecognised() {
        try (VaeCheckpoint c = VaeCheckpoint.open(VaeFixtures.resource(VaeFixtures.BFL_BF16))) {
            assertEquals(VaeLayout.BFL, c.layout());
            assertEquals(TINY, c.config());
            assertEquals(flowscale.kernels.WeightType.BF16, c.type("decoder.conv_in.weight"));
        }
    }

    @Test
    void diffusersFolderIsRecognisedWithItsConfig() {
        try (VaeCheckpoint c = VaeCheckpoint.open(VaeFixtures.resource(VaeFixtures.DIFFUSERS))) {
            assertEquals(VaeLayout.DIFFUSERS, c.layout());
            assertEquals(TINY, c.config());
        }
    }

    @Test
    void pipelineFolderFindsItsVaeSubfolder(@TempDir Path dir) throws IOException {
        Path vae = Files.createDirectories(dir.resolve("vae"));
        Path source = VaeFixtures.resource(VaeFixtures.DIFFUSERS);
        Files.copy(source.resolve(VaeCheckpoint.DIFFUSERS_CONFIG), vae.resolve(VaeCheckpoint.DIFFUSERS_CONFIG));
        Files.copy(source.resolve(VaeCheckpoint.DIFFUSERS_WEIGHTS), vae.resolve(VaeCheckpoint.DIFFUSERS_WEIGHTS));
        try (VaeCheckpoint c = VaeCheckpoint.open(dir)) {
            assertEquals(VaeLayout.DIFFUSERS, c.layout());
            assertEquals(TINY, c.config());
        }
    }

    @Test
    void diffusersNamesMapBflNames() {
        assertEquals("decoder.up_blocks.1.resnets.0.conv_shortcut.weight", VaeLayout.DIFFUSERS.key("decoder.up.0.block.0.nin_shortcut.weight", 2));
        assertEquals("decoder.up_blocks.0.upsamplers.0.conv.bias", VaeLayout.DIFFUSERS.key("decoder.up.1.upsample.conv.bias", 2));
        assertEquals("decoder.mid_block.resnets.1.norm2.weight", VaeLayout.DIFFUSERS.key("decoder.mid.block_2.norm2.weight", 2));
        assertEquals("decoder.mid_block.attentions.0.to_out.0.weight", VaeLayout.DIFFUSERS.key("decoder.mid.attn_1.proj_out.weight", 2));
        assertEquals("decoder.mid_block.attentions.0.group_norm.bias", VaeLayout.DIFFUSERS.key("decoder.mid.attn_1.norm.bias", 2));
        assertEquals("decoder.conv_norm_out.weight", VaeLayout.DIFFUSERS.key("decoder.norm_out.weight", 2));
    }

    @Test
    void everyMissingMisShapedAndUnexpectedTensorIsListedInOneLine(@TempDir Path dir) {
        Path broken = dir.resolve("broken.safetensors");
        rewrite(VaeFixtures.resource(VaeFixtures.BFL_BF16), broken,
                name -> !name.equals("decoder.mid.attn_1.q.bias") && !name.equals("decoder.up.1.block.1.conv2.weight"),
                w -> w.addF32("decoder.mid.attn_1.k.bias", new long[] {63}, new float[63])
                        .addF32("decoder.extra.weight", new long[] {2}, new float[2]),
                "decoder.mid.attn_1.k.bias");
        CheckpointException e = assertThrows(CheckpointException.class, () -> VaeCheckpoint.open(broken));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.contains("missing [decoder.mid.attn_1.q.bias, decoder.up.1.block.1.conv2.weight]"), m);
        assertTrue(m.contains("mis-shaped [decoder.mid.attn_1.k.bias [63] (expected [64])]"), m);
        assertTrue(m.contains("unexpected [decoder.extra.weight]"), m);
    }

    @Test
    void anotherArchitectureIsRefusedByName(@TempDir Path dir) {
        Path flux = dir.resolve("flux.safetensors");
        new SafetensorsWriter().addF32("double_blocks.0.img_attn.qkv.weight", new long[] {2, 2}, new float[4]).write(flux);
        CheckpointException e = assertThrows(CheckpointException.class, () -> VaeCheckpoint.open(flux));
        assertTrue(e.getMessage().contains("is a FLUX transformer, not a VAE decoder"), e.getMessage());
    }

    @Test
    void diffusersConfigThatDisagreesWithTheShapesIsRefused(@TempDir Path dir) throws IOException {
        Path folder = dir.resolve("vae");
        Files.createDirectories(folder);
        Path source = VaeFixtures.resource(VaeFixtures.DIFFUSERS);
        Files.copy(source.resolve(VaeCheckpoint.DIFFUSERS_WEIGHTS), folder.resolve(VaeCheckpoint.DIFFUSERS_WEIGHTS));
        String config = Files.readString(source.resolve(VaeCheckpoint.DIFFUSERS_CONFIG)).replace("\"latent_channels\": 4", "\"latent_channels\": 16");
        Files.writeString(folder.resolve(VaeCheckpoint.DIFFUSERS_CONFIG), config);
        CheckpointException e = assertThrows(CheckpointException.class, () -> VaeCheckpoint.open(folder));
        assertTrue(e.getMessage().contains("latent_channels 16 vs 4"), e.getMessage());
    }

    @Test
    void folderWithoutConfigIsRefused(@TempDir Path dir) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> VaeCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("has no config.json"), e.getMessage());
    }

    @Test
    void attentionWeightsAcceptBothTheConvAndTheLinearShape() {
        assertTrue(VaeLayout.fits(new long[] {8, 8}, new long[] {8, 8, 1, 1}));
        assertTrue(VaeLayout.fits(new long[] {8, 8, 1, 1}, new long[] {8, 8, 1, 1}));
        assertFalse(VaeLayout.fits(new long[] {8, 8}, new long[] {8, 8, 3, 3}));
        assertArrayEquals(new long[] {64, 4, 3, 3}, DecoderParameters.shapes(TINY).get("decoder.conv_in.weight"));
    }

    /** Copies the tensors of {@code from} that {@code keep} accepts (and not those in {@code drop}) into {@code to}, plus {@code extra}. */
    private static void rewrite(Path from, Path to, Predicate<String> keep,
                                java.util.function.UnaryOperator<SafetensorsWriter> extra, String... drop) {
        SafetensorsWriter w = new SafetensorsWriter();
        java.util.Set<String> dropped = java.util.Set.of(drop);
        try (SafetensorsFile f = SafetensorsFile.open(from)) {
            for (TensorInfo t : f.tensors()) {
                if (keep.test(t.name()) && !dropped.contains(t.name())) w.addF32(t.name(), t.shape(), f.toFloatArray(t.name()));
            }
        }
        extra.apply(w).write(to);
    }
}
