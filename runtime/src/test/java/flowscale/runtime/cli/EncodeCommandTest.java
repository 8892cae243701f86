package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.loader.SafetensorsFile;
import flowscale.runtime.application.TextPipelineFixture;
import flowscale.runtime.cli.CliFixture.Run;
import flowscale.runtime.model.text.TextGoldens;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static flowscale.runtime.cli.CliFixture.assertUsage;
import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code flowscale encode} on the tiny text fixtures laid out as a diffusers pipeline: the written {@code txt} and
 * {@code vec} equal the encoders' goldens for a golden prompt, and bad input is one line with exit code 2 and no file.
 */
class EncodeCommandTest {
    /** As the encoders' golden tests: float32 on both sides (observed there up to 2.7e-6 of the output's scale). */
    static final double TOLERANCE = 1e-5;

    @TempDir
    static Path shared;

    static Path pipeline;

    @TempDir
    Path dir;

    @BeforeAll
    static void fixture() {
        pipeline = TextPipelineFixture.write(shared.resolve("pipe"));
    }

    @Test
    void helpNamesTheSourcesTheLengthAndTheOutput() {
        Run r = run("encode", "--help");
        assertEquals(0, r.code(), r.err());
        for (String s : new String[] {"--clip", "--t5", "--pipeline", "--prompt", "--out", "--t5-max-length", "256 for FLUX.1-schnell",
                "txt [L, D_txt]", "vec [D_vec]", "--backend"}) {
            assertTrue(r.out().contains(s), s + " in\n" + r.out());
        }
    }

    @Test
    void aGoldenPromptIsWrittenAsTheGoldenTxtAndVec() throws Exception {
        String[] prompts;
        float[] pooled, states;
        try (SafetensorsFile clip = SafetensorsFile.open(TextGoldens.resource("clip-tiny-golden.safetensors"));
             SafetensorsFile t5 = SafetensorsFile.open(TextGoldens.resource("t5-tiny-golden.safetensors"))) {
            prompts = new ObjectMapper().readValue(t5.metadata().get("prompts"), String[].class);
            pooled = clip.toFloatArray("out.pooler_output");
            states = t5.toFloatArray("out.last_hidden_state");
        }
        int i = 2; // Unicode: accents, a ligature, full-width letters
        Path fromPipeline = dir.resolve("pipe.safetensors"), fromFolders = dir.resolve("folders.safetensors");
        Run r = run("encode", "--pipeline", pipeline.toString(), "--prompt", prompts[i], "--t5-max-length", "16",
                "--out", fromPipeline.toString(), "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote txt [16, 32] and vec [16] to " + fromPipeline), r.out());
        Run explicit = run("encode", "--clip", pipeline.resolve("text_encoder").toString(), "--t5",
                pipeline.resolve("text_encoder_2").toString(), "--prompt", prompts[i], "--t5-max-length", "16",
                "--out", fromFolders.toString());
        assertEquals(0, explicit.code(), explicit.err());
        for (Path written : new Path[] {fromPipeline, fromFolders}) {
            try (SafetensorsFile f = SafetensorsFile.open(written)) {
                assertArrayEquals(new long[] {16, 32}, f.tensor("txt").shape());
                assertArrayEquals(new long[] {16}, f.tensor("vec").shape());
                assertEquals(prompts[i], f.metadata().get("prompt"));
                double txt = TextGoldens.relativeError(f.toFloatArray("txt"), Arrays.copyOfRange(states, i * 512, (i + 1) * 512));
                double vec = TextGoldens.relativeError(f.toFloatArray("vec"), Arrays.copyOfRange(pooled, i * 16, (i + 1) * 16));
                assertTrue(txt <= TOLERANCE && vec <= TOLERANCE, written + ": txt " + txt + ", vec " + vec);
            }
        }
    }

    @Test
    void aTruncatedPromptWarnsInOneLineAndStillWrites() {
        Path out = dir.resolve("long.safetensors");
        Run r = run("encode", "--pipeline", pipeline.toString(), "--prompt", "a red cat on a horse ".repeat(5),
                "--t5-max-length", "8", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().startsWith("warning: the prompt is ") && r.err().contains("T5 tokens and --t5-max-length is 8"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(Files.isRegularFile(out));
    }

    @Test
    void badInputIsOneLineWithExitCodeTwoAndNoFile() throws Exception {
        Path out = dir.resolve("e.safetensors");
        String clip = pipeline.resolve("text_encoder").toString(), t5 = pipeline.resolve("text_encoder_2").toString();
        String p = pipeline.toString(), o = out.toString();
        assertUsage(run("encode", "--pipeline", p, "--out", o), "--prompt");
        assertUsage(run("encode", "--clip", clip, "--prompt", "x", "--out", o), "give --clip and --t5");
        assertUsage(run("encode", "--clip", clip, "--t5", t5, "--pipeline", p, "--prompt", "x", "--out", o), "not both");
        assertUsage(run("encode", "--pipeline", dir.resolve("nope").toString(), "--prompt", "x", "--out", o), "does not exist");
        assertUsage(run("encode", "--pipeline", dir.toString(), "--prompt", "x", "--out", o), "is not a diffusers FLUX.1 pipeline folder");
        assertUsage(run("encode", "--clip", t5, "--t5", clip, "--prompt", "x", "--out", o), "not a CLIPTextModel checkpoint");
        assertUsage(run("encode", "--pipeline", p, "--prompt", "x", "--out", o, "--t5-max-length", "513"), "outside 1..512");
        assertUsage(run("encode", "--pipeline", p, "--prompt", "x", "--out", o, "--t5-max-length", "many"), "--t5-max-length");
        assertUsage(run("encode", "--pipeline", p, "--prompt", "x", "--out", dir.resolve("no/such/e.safetensors").toString()),
                "does not exist");
        assertUsage(run("encode", "--pipeline", p, "--prompt", "x", "--out", dir.toString()), "is a folder");
        assertUsage(run("encode", "--pipeline", p, "--prompt", "x", "--out", o, "--backend", "gpu9"), "backend 'gpu9'");
        Path noVocab = Files.createDirectories(dir.resolve("novocab"));
        assertUsage(run("encode", "--clip", noVocab.toString(), "--t5", t5, "--prompt", "x", "--out", o), "no CLIP tokenizer for");
        assertFalse(Files.exists(out));
        try (var left = Files.list(dir)) {
            assertEquals(java.util.List.of(noVocab), left.toList(), "nothing written, no temporary file left");
        }
    }
}
