package flowscale.runtime.model.flux;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.DType;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.TensorInfo;
import flowscale.runtime.model.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Recognising FLUX checkpoints in every layout, inferring their configuration, and refusing bad ones in one line. */
class FluxCheckpointTest {
    private static final int[] TINY_AXES = {4, 6, 6};
    /** The tiny fixtures' configuration, as their goldens' metadata states it (hidden 64, 4 heads, MLP ratio 4). */
    private static final FluxConfig TINY_SCHNELL = new FluxConfig(64, 4, 2, 2, 256, 16, 16, 32, 24, TINY_AXES, 10_000, true, false);
    private static final FluxConfig TINY_DEV = new FluxConfig(64, 4, 2, 2, 256, 16, 16, 32, 24, TINY_AXES, 10_000, true, true);

    @TempDir
    Path dir;

    @Test
    void bflSingleFileIsRecognisedWithItsConfiguration() {
        try (FluxCheckpoint c = FluxCheckpoint.open(FluxFixtures.resource("flux-tiny-schnell-bfl-bf16.safetensors"), TINY_AXES)) {
            assertEquals(FluxLayout.BFL, c.layout());
            assertEquals("", c.prefix());
            assertEquals(TINY_SCHNELL, c.config());
            assertTrue(c.config().variant().contains("schnell-style"), c.config().variant());
            assertEquals(DType.BF16, c.bytesByDtype().keySet().iterator().next());
        }
        try (FluxCheckpoint c = FluxCheckpoint.open(FluxFixtures.resource("flux-tiny-dev-bfl-bf16.safetensors"), TINY_AXES)) {
            assertEquals(TINY_DEV, c.config());
        }
    }

    @Test
    void realHeadFileGetsFlux1AxesFromItsHeadDim() {
        try (FluxCheckpoint c = FluxCheckpoint.open(FluxFixtures.resource("flux-realhead-bfl-bf16.safetensors"))) {
            assertEquals(new FluxConfig(256, 2, 1, 1, 1024, 64, 64, 48, 40, new int[] {16, 56, 56}, 10_000, true, false), c.config());
        }
    }

    @Test
    void axesOfAnotherHeadDimMustBeGiven() {
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> FluxCheckpoint.open(FluxFixtures.resource("flux-tiny-schnell-bfl-bf16.safetensors")));
        assertTrue(e.getMessage().contains("head dim 16") && e.getMessage().contains("RoPE"), e.getMessage());
        assertOneLine(e);
    }

    /** A file whose metadata states the config (as the fixtures' goldens do) needs no axes given. */
    @Test
    void axesFromConfigMetadata() throws IOException {
        Path file = dir.resolve("with-config.safetensors");
        String config;
        try (SafetensorsFile golden = SafetensorsFile.open(FluxFixtures.resource("flux-tiny-schnell-golden.safetensors"))) {
            config = golden.metadata().get("config");
        }
        write(FluxFixtures.resource("flux-tiny-schnell-bfl-bf16.safetensors"), file, "", t -> true, w -> w.metadata("config", config));
        try (FluxCheckpoint c = FluxCheckpoint.open(file)) {
            assertEquals(TINY_SCHNELL, c.config());
        }
    }

    @Test
    void diffusersFolderTakesItsConfigJson() {
        try (FluxCheckpoint c = FluxCheckpoint.open(FluxFixtures.resource("flux-tiny-dev-diffusers"))) {
            assertEquals(FluxLayout.DIFFUSERS, c.layout());
            assertEquals(TINY_DEV, c.config());
        }
    }

    @Test
    void pipelineFolderWithTransformerSubfolder() throws IOException {
        Path pipeline = dir.resolve("pipeline");
        Files.createDirectories(pipeline);
        Files.writeString(pipeline.resolve("model_index.json"), "{}");
        copyFolder(FluxFixtures.resource("flux-tiny-schnell-diffusers"), pipeline.resolve("transformer"));
        try (FluxCheckpoint c = FluxCheckpoint.open(pipeline)) {
            assertEquals(FluxLayout.DIFFUSERS, c.layout());
            assertEquals(TINY_SCHNELL, c.config());
        }
    }

    /** Shards with an index, as large diffusers checkpoints ship: recognised, and bound to the same velocity. */
    @Test
    void shardedDiffusersFolderRunsLikeTheSingleFile() throws IOException {
        Path sharded = dir.resolve("sharded");
        Files.createDirectories(sharded);
        Files.copy(FluxFixtures.resource("flux-tiny-schnell-diffusers").resolve("config.json"), sharded.resolve("config.json"));
        Path source = FluxFixtures.resource("flux-tiny-schnell-diffusers").resolve("diffusion_pytorch_model.safetensors");
        StringBuilder map = new StringBuilder();
        try (SafetensorsFile f = SafetensorsFile.open(source)) {
            SafetensorsWriter[] shards = {new SafetensorsWriter(), new SafetensorsWriter()};
            for (TensorInfo t : f.tensors()) {
                int shard = t.name().startsWith("single_transformer_blocks.") ? 1 : 0;
                shards[shard].addF32(t.name(), t.shape(), f.toFloatArray(t.name()));
                map.append(map.isEmpty() ? "" : ",").append('"').append(t.name()).append("\":\"part-").append(shard).append(".safetensors\"");
            }
            for (int i = 0; i < 2; i++) shards[i].write(sharded.resolve("part-" + i + ".safetensors"));
        }
        Files.writeString(sharded.resolve("diffusion_pytorch_model.safetensors.index.json"),
                "{\"metadata\":{\"total_size\":1},\"weight_map\":{" + map + "}}");
        FluxFixtures.Golden golden = FluxFixtures.golden("flux-tiny-schnell-golden.safetensors");
        try (FluxCheckpoint c = FluxCheckpoint.open(sharded); Backend cpu = Backends.create("cpu")) {
            assertEquals(TINY_SCHNELL, c.config());
            float[] velocity = FluxTransformer.load(c, cpu).forward(golden.inputs());
            double error = FluxGoldenTest.relativeError(velocity, golden.get("out.velocity"));
            assertTrue(error <= FluxGoldenTest.TOLERANCE, "sharded checkpoint differs from the golden by " + error);
        }
    }

    /** ComfyUI's all-in-one file: the transformer under model.diffusion_model., the VAE and encoders beside it. */
    @Test
    void comfyUiPrefixIsStrippedAndOtherModelsIgnored() throws IOException {
        Path file = dir.resolve("comfy.safetensors");
        write(FluxFixtures.resource("flux-tiny-schnell-bfl-bf16.safetensors"), file, FluxCheckpoint.COMFYUI_PREFIX, t -> true,
                w -> w.addF32("first_stage_model.decoder.conv_in.weight", new long[] {2, 2}, new float[4]));
        try (FluxCheckpoint c = FluxCheckpoint.open(file, TINY_AXES)) {
            assertEquals(FluxLayout.BFL, c.layout());
            assertEquals(FluxCheckpoint.COMFYUI_PREFIX, c.prefix());
            assertEquals(1, c.ignoredTensors());
            assertEquals(TINY_SCHNELL, c.config());
        }
    }

    /** Missing, unexpected, mis-shaped and wrongly typed tensors: all of them, in one line. */
    @Test
    void everyProblemIsListedInOneLine() throws IOException {
        Path file = dir.resolve("broken.safetensors");
        write(FluxFixtures.resource("flux-tiny-schnell-bfl-bf16.safetensors"), file, "",
                t -> !t.name().equals("double_blocks.1.txt_mlp.2.bias") && !t.name().equals("single_blocks.0.linear2.weight")
                        && !t.name().equals("final_layer.linear.bias"),
                w -> w.addF32("double_blocks.0.img_attn.extra.weight", new long[] {3}, new float[3])
                        .addF32("single_blocks.0.linear2.weight", new long[] {64, 319}, new float[64 * 319])
                        .add("final_layer.linear.bias", DType.I32, new long[] {16}, new byte[64]));
        CheckpointException e = assertThrows(CheckpointException.class, () -> FluxCheckpoint.open(file, TINY_AXES));
        String m = e.getMessage();
        assertTrue(m.contains("missing tensors [double_blocks.1.txt_mlp.2.bias]"), m);
        assertTrue(m.contains("unexpected tensors [double_blocks.0.img_attn.extra.weight]"), m);
        assertTrue(m.contains("single_blocks.0.linear2.weight is [64, 319], expected [64, 320]"), m);
        assertTrue(m.contains("final_layer.linear.bias is I32"), m);
        assertOneLine(e);
    }

    @Test
    void configJsonThatContradictsTheTensorsIsRefused() throws IOException {
        Path folder = dir.resolve("contradiction");
        copyFolder(FluxFixtures.resource("flux-tiny-schnell-diffusers"), folder);
        Files.writeString(folder.resolve("config.json"), Files.readString(folder.resolve("config.json"))
                .replace("\"num_layers\": 2", "\"num_layers\": 3"));
        CheckpointException e = assertThrows(CheckpointException.class, () -> FluxCheckpoint.open(folder));
        assertTrue(e.getMessage().contains("num_layers = 3 but the tensors show 2"), e.getMessage());
    }

    @Test
    void otherArchitecturesAndFoldersAreNotFlux() throws IOException {
        Path other = dir.resolve("dit.safetensors");
        new SafetensorsWriter().addF32("blocks.0.attn.qkv.weight", new long[] {3, 1}, new float[3]).write(other);
        CheckpointException e = assertThrows(CheckpointException.class, () -> FluxCheckpoint.open(other));
        assertTrue(e.getMessage().contains("is not a FLUX.1 transformer"), e.getMessage());
        assertOneLine(e);

        Path folder = dir.resolve("empty");
        Files.createDirectories(folder);
        CheckpointException f = assertThrows(CheckpointException.class, () -> FluxCheckpoint.open(folder));
        assertTrue(f.getMessage().contains("has no config.json"), f.getMessage());

        CheckpointException g = assertThrows(CheckpointException.class, () -> FluxCheckpoint.open(dir.resolve("absent.safetensors")));
        assertTrue(g.getMessage().contains("does not exist"), g.getMessage());
    }

    private interface Extra {
        void add(SafetensorsWriter w);
    }

    /** A copy of {@code source} with names prefixed, some tensors dropped, and extra tensors added. */
    private static void write(Path source, Path target, String prefix, Predicate<TensorInfo> keep, Extra extra) {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(source)) {
            for (TensorInfo t : f.tensors()) {
                if (keep.test(t)) w.addBf16(prefix + t.name(), t.shape(), f.toFloatArray(t.name()));
            }
        }
        extra.add(w);
        w.write(target);
    }

    private static void copyFolder(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        List<Path> files = new ArrayList<>();
        try (var s = Files.list(from)) {
            s.forEach(files::add);
        }
        for (Path p : files) Files.copy(p, to.resolve(p.getFileName()));
    }

    private static void assertOneLine(Exception e) {
        assertFalse(e.getMessage().contains("\n"), "message spans lines: " + e.getMessage());
    }
}
