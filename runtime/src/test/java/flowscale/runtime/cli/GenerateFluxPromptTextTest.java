package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.TensorInfo;
import flowscale.runtime.application.TextPipelineFixture;
import flowscale.runtime.cli.CliFixture.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code generate --prompt TEXT} on FLUX.1 with CLIP and T5: a diffusers pipeline folder of the tiny fixtures (transformer,
 * VAE, both text encoders and tokenizers) encodes the prompt once before the search, and the result equals the same
 * search given the {@code encode} command's file as {@code --prompt-embeds}, bit for bit. The tiny CLIP is 16 wide and
 * the tiny transformer reads a pooled vector of 24, so the pipeline's transformer gets a 16-wide {@code vector_in}
 * (random weights, everything else the fixture's): a transformer whose widths match its encoders, as real pipelines are.
 */
class GenerateFluxPromptTextTest {
    private static final String PROMPT = "a red fox in the snow";

    @TempDir
    static Path dir;
    static Path pipeline;

    @BeforeAll
    static void pipelineWithTextEncoders() throws IOException {
        pipeline = TextPipelineFixture.write(dir.resolve("pipe"));
        Path flux = FluxFixture.pipelineFolder(dir.resolve("flux")), transformer = flux.resolve("transformer");
        copyTree(flux.resolve("vae"), pipeline.resolve("vae"));
        Files.writeString(pipeline.resolve("transformer/config.json"),
                Files.readString(transformer.resolve("config.json")).replace("\"pooled_projection_dim\": 24", "\"pooled_projection_dim\": 16"));
        String file = "diffusion_pytorch_model.safetensors";
        SafetensorsWriter w = new SafetensorsWriter();
        SplittableRandom random = new SplittableRandom(7);
        try (SafetensorsFile f = SafetensorsFile.open(transformer.resolve(file))) {
            for (TensorInfo t : f.tensors()) {
                if (t.name().equals("time_text_embed.text_embedder.linear_1.weight")) {
                    long rows = t.shape()[0];
                    float[] v = new float[(int) rows * 16];
                    for (int i = 0; i < v.length; i++) v[i] = (float) (random.nextDouble(-1, 1) / 4);
                    w.addF32(t.name(), new long[] {rows, 16}, v);
                } else {
                    w.addF32(t.name(), t.shape(), f.toFloatArray(t.name()));
                }
            }
        }
        w.write(pipeline.resolve("transformer").resolve(file));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        }
    }

    @Test
    void promptTextIsEncodedOnceAndSearchesAsItsEmbeddingsFileDoes() throws IOException {
        Run text = run("generate", "--model", pipeline.toString(), "--prompt", PROMPT, "--size", "16x16", "--method", "bon",
                "--budget", "8", "--sampler", "ode", "--reward", "colourfulness", "--out", dir.resolve("text").toString());
        assertEquals(0, text.code(), text.err() + text.out());
        assertTrue(text.out().contains("encoded 1 prompt with CLIP and T5 (256 T5 tokens)"), text.out());

        Path embeds = dir.resolve("fox.safetensors");
        Run encode = run("encode", "--pipeline", pipeline.toString(), "--prompt", PROMPT, "--out", embeds.toString());
        assertEquals(0, encode.code(), encode.err() + encode.out());
        Run file = run("generate", "--model", pipeline.toString(), "--prompt-embeds", embeds.toString(), "--prompt", PROMPT,
                "--size", "16x16", "--method", "bon", "--budget", "8", "--sampler", "ode", "--reward", "colourfulness",
                "--out", dir.resolve("file").toString());
        assertEquals(0, file.code(), file.err() + file.out());
        assertArrayEquals(Files.readAllBytes(dir.resolve("file/best.png")), Files.readAllBytes(dir.resolve("text/best.png")));
        JsonNode a = new ObjectMapper().readTree(dir.resolve("text/trace.json").toFile());
        JsonNode b = new ObjectMapper().readTree(dir.resolve("file/trace.json").toFile());
        assertEquals(b.get("bestReward"), a.get("bestReward"));
        assertEquals(8, a.get("nfe").asInt(), "encoding is no NFE");
    }

    /** Prompts of a file, encoded once each, searched three at a time in shared model calls: each as when alone. */
    @Test
    void promptsFileSearchedTogetherGivesEachPromptsOwnFiles() throws IOException {
        Path prompts = dir.resolve("prompts.txt");
        Files.writeString(prompts, "a red fox\nthree blue birds over a lake\na red fox\n");
        for (String n : new String[] {"1", "3"}) {
            Run r = run("generate", "--model", pipeline.toString(), "--prompts", prompts.toString(), "--size", "16x16",
                    "--method", "rbf", "--budget", "60", "--concurrent-searches", n, "--out", dir.resolve("many" + n).toString());
            assertEquals(0, r.code(), r.err() + r.out());
            assertTrue(r.out().contains("encoded 2 prompts"), r.out());
        }
        for (String d : new String[] {"001-a-red-fox", "002-three-blue-birds-over-a-lake", "003-a-red-fox"}) {
            assertArrayEquals(Files.readAllBytes(dir.resolve("many1").resolve(d).resolve("best.png")),
                    Files.readAllBytes(dir.resolve("many3").resolve(d).resolve("best.png")), d);
        }
    }

    @Test
    void explicitFoldersAndAShorterT5Length() throws IOException {
        Run r = run("generate", "--model", pipeline.resolve("transformer").toString(), "--vae", pipeline.resolve("vae").toString(),
                "--clip", pipeline.resolve("text_encoder").toString(), "--t5", pipeline.resolve("text_encoder_2").toString(),
                "--t5-max-length", "8", "--prompt", PROMPT + " and a very long tail of words that T5 cannot keep",
                "--size", "16x16", "--method", "bon", "--budget", "4", "--sampler", "ode", "--out", dir.resolve("short").toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("(8 T5 tokens)"), r.out());
        assertTrue(r.err().contains("warning:") && r.err().contains("T5"), r.err());
    }

    @Test
    void badTextEncoderOptionsAreOneLine() {
        String t = pipeline.resolve("transformer").toString(), vae = pipeline.resolve("vae").toString();
        CliFixture.assertUsage(run("generate", "--model", t, "--vae", vae, "--clip", pipeline.resolve("text_encoder").toString(),
                "--prompt", "x", "--out", dir.resolve("o1").toString()), "give both --clip DIR and --t5 DIR");
        // Swapped folders: CLIP's folder is no T5 encoder.
        CliFixture.assertUsage(run("generate", "--model", t, "--vae", vae, "--clip", pipeline.resolve("text_encoder_2").toString(),
                "--t5", pipeline.resolve("text_encoder").toString(), "--prompt", "x", "--out", dir.resolve("o2").toString()), "");
        // The fixture's own transformer reads a pooled vector of 24; the tiny CLIP gives 16.
        CliFixture.assertUsage(run("generate", "--model", FluxFixture.schnell().toString(), "--rope-axes", "4,6,6", "--vae", vae,
                "--clip", pipeline.resolve("text_encoder").toString(), "--t5", pipeline.resolve("text_encoder_2").toString(),
                "--prompt", "x", "--out", dir.resolve("o3").toString()), "do not fit the transformer");
        CliFixture.assertUsage(run("generate", "--model", pipeline.toString(), "--prompt", "x", "--t5-max-length", "0",
                "--out", dir.resolve("o4").toString()), "--t5-max-length 0 is outside 1..512");
        CliFixture.assertUsage(run("generate", "--model", pipeline.toString(), "--out", dir.resolve("o5").toString()),
                "--prompt TEXT is required");
        CliFixture.assertUsage(run("generate", "--prompt", "2 red circles", "--clip", "x", "--t5", "y",
                "--out", dir.resolve("o6").toString()), "apply to FLUX.1 models");
        for (int i = 1; i <= 6; i++) assertFalse(Files.exists(dir.resolve("o" + i + "/best.png")));
    }
}
