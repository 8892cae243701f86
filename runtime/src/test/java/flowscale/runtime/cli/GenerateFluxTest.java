package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.runtime.cli.CliFixture.Run;
import flowscale.runtime.reward.PixelRewards;
import flowscale.runtime.search.SearchMethods;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static flowscale.runtime.cli.CliFixture.assertImage;
import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code generate} on the tiny FLUX.1 pipeline ({@link FluxFixture}) end to end: every search method with every image
 * reward within its budget, bit-identical on a rerun and across {@code --devices cpu:1,cpu:1}, the dev-style model with
 * guidance on its shifted schedule, a diffusers pipeline folder, and the outputs.
 */
class GenerateFluxTest {
    /** 24 x 16 pixels: 6 x 4 tokens of the tiny VAE (x2 upsampling, 2x2 packing). */
    static final String SIZE = "24x16";

    /** Each method meets two samplers (all of them over the loop). */
    static final List<String> SAMPLERS = flowscale.runtime.flow.Sampler.names();

    @TempDir
    static Path dir;
    static Path embeds;

    @BeforeAll
    static void committedEmbeddings() {
        embeds = FluxFixture.resource("flux/prompt-tiny.safetensors");
    }

    static Run generate(Path model, String out, String... more) {
        List<String> args = new ArrayList<>(List.of("generate", "--model", model.toString(), "--vae", FluxFixture.vae().toString(),
                "--prompt-embeds", embeds.toString(), "--size", SIZE, "--rope-axes", "4,6,6", "--seed", "3", "--out", dir.resolve(out).toString()));
        args.addAll(List.of(more));
        return run(args.toArray(String[]::new));
    }

    static JsonNode trace(String out) throws IOException {
        return new ObjectMapper().readTree(dir.resolve(out).resolve("trace.json").toFile());
    }

    @Test
    void everyMethodWithEveryRewardStaysInBudgetAndRepeatsExactlyOnOneOrTwoDevices() throws IOException {
        List<String> rewards = PixelRewards.NAMES;
        List<String> methods = SearchMethods.names();
        for (int i = 0; i < methods.size(); i++) {
            String method = methods.get(i);
            // 2 steps, and about the least budgets of the default settings there: sop 168, code and svdd 100, rbf 54.
            int budget = switch (method) {
                case "sop" -> 170;
                case "code", "svdd" -> 100;
                case "rbf" -> 60;
                default -> 32;
            };
            // Every reward with every method would be 28 searches; each method meets two rewards, each reward several methods.
            for (String reward : List.of(rewards.get(i % rewards.size()), rewards.get((i + 1) % rewards.size()))) {
                String name = method + "-" + reward;
                Run r = generate(FluxFixture.schnell(), name, "--method", method, "--reward", reward, "--budget", Integer.toString(budget),
                        "--steps", "2", "--sampler", SAMPLERS.get((i + rewards.indexOf(reward)) % SAMPLERS.size()));
                assertEquals(0, r.code(), name + ": " + r.err() + r.out());
                JsonNode t = trace(name);
                long nfe = t.get("nfe").asLong();
                assertTrue(nfe > 0 && nfe <= budget, name + " used " + nfe + " NFE of " + budget);
                assertEquals(reward, t.get("reward").asText());
                assertTrue(Files.isRegularFile(dir.resolve(name).resolve("best.png")), name);
            }
            // The method's first search again, its batches split over two devices: the same bits.
            String reward = rewards.get(i % rewards.size()), name = method + "-" + reward;
            Run two = generate(FluxFixture.schnell(), name + "-two", "--method", method, "--reward", reward, "--budget",
                    Integer.toString(budget), "--steps", "2", "--sampler", SAMPLERS.get((i + rewards.indexOf(reward)) % SAMPLERS.size()),
                    "--devices", "cpu:1,cpu:1");
            assertEquals(0, two.code(), name + " on two devices: " + two.err() + two.out());
            assertEquals(trace(name).get("levels"), trace(name + "-two").get("levels"), name);
            assertEquals(trace(name).get("bestReward"), trace(name + "-two").get("bestReward"), name);
            assertArrayEquals(Files.readAllBytes(dir.resolve(name).resolve("best.png")),
                    Files.readAllBytes(dir.resolve(name + "-two").resolve("best.png")), name);
        }
        // Rerun of one of them: the same bytes.
        Run again = generate(FluxFixture.schnell(), "again", "--method", "rbf", "--reward", rewards.get(6 % rewards.size()),
                "--budget", "60", "--steps", "2", "--sampler", SAMPLERS.get((6 + 6 % rewards.size()) % SAMPLERS.size()));
        assertEquals(0, again.code(), again.err());
        String first = "rbf-" + rewards.get(6 % rewards.size());
        assertEquals(trace(first).get("levels"), trace("again").get("levels"));
        assertArrayEquals(Files.readAllBytes(dir.resolve(first).resolve("best.png")), Files.readAllBytes(dir.resolve("again/best.png")));
    }

    @Test
    void twoCpuDevicesGiveTheBitsOfOne() throws IOException {
        for (String method : List.of("rbf", "smc")) {
            Run one = generate(FluxFixture.schnell(), method + "-one", "--method", method, "--budget", "64", "--backend", "cpu");
            Run two = generate(FluxFixture.schnell(), method + "-two", "--method", method, "--budget", "64", "--devices", "cpu:1,cpu:1");
            assertEquals(0, one.code(), one.err());
            assertEquals(0, two.code(), two.err());
            assertTrue(two.out().contains("on 2 devices [cpu:1, cpu:1]"), two.out());
            JsonNode a = trace(method + "-one"), b = trace(method + "-two");
            assertEquals(a.get("nfe"), b.get("nfe"));
            assertEquals(a.get("levels"), b.get("levels"));
            assertEquals(a.get("bestReward"), b.get("bestReward"));
            assertArrayEquals(Files.readAllBytes(dir.resolve(method + "-one/best.png")),
                    Files.readAllBytes(dir.resolve(method + "-two/best.png")));
        }
    }

    @Test
    void devStyleRunsWithGuidanceOnTheShiftedGrid() throws IOException {
        Run r = generate(FluxFixture.dev(), "dev", "--method", "bon", "--sampler", "ode", "--steps", "6", "--guidance", "2.5",
                "--budget", "12", "--reward", "brightness:0.7");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("FLUX memory plan: weights BF16"), r.out());
        assertTrue(r.out().contains("dev-style"), r.out());
        JsonNode run = trace("dev").get("run");
        assertEquals(2.5, run.get("guidance").asDouble());
        // BFL's mu for 24 image tokens: 0.5 + (1.15 - 0.5) / (4096 - 256) * (24 - 256)
        assertEquals(0.5 + 0.65 / 3840 * (24 - 256), run.get("timeShiftMu").asDouble(), 1e-12);
        assertEquals("24x16", run.get("size").asText());

        Run defaults = generate(FluxFixture.dev(), "dev-defaults", "--method", "none", "--budget", "60");
        assertEquals(0, defaults.code(), defaults.err());
        assertEquals(50, trace("dev-defaults").get("steps").asInt(), "BFL's dev steps");
        assertEquals(3.5, trace("dev-defaults").get("run").get("guidance").asDouble());
    }

    @Test
    void outputsAreDecodedImages() throws IOException {
        Run r = generate(FluxFixture.schnell(), "outputs", "--method", "bon", "--budget", "16");
        assertEquals(0, r.code(), r.err());
        assertEquals(4, trace("outputs").get("steps").asInt(), "schnell's default steps");
        Path out = dir.resolve("outputs");
        assertImage(out.resolve("best.png"), 24, 16);
        assertImage(out.resolve("best_x10.png"), 240, 160);
        assertTrue(Files.isRegularFile(out.resolve("candidates.png")));
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("data:image/png;base64,"), "report inlines the decoded images");
        assertTrue(html.contains("colourfulness"), "the default reward");
        JsonNode t = trace("outputs");
        assertEquals(embeds.toString(), t.get("run").get("promptEmbeds").asText());
        assertEquals("prompt-tiny.safetensors", t.get("run").get("prompt").asText());
    }

    /** The text-encoder hook the lead plugs CLIP and T5 into: --prompt TEXT and --prompts run through it. */
    @Test
    void promptTextRunsThroughAPluggedTextEncoder() throws IOException {
        List<String> asked = new ArrayList<>();
        java.util.function.Function<String, flowscale.runtime.model.PromptEmbedding> encoder = text -> {
            asked.add(text);
            float[] txt = new float[(3 + text.length() % 3) * FluxFixture.TXT_WIDTH], vec = new float[FluxFixture.VEC_WIDTH];
            for (int i = 0; i < txt.length; i++) txt[i] = (float) Math.sin(i + text.hashCode());
            for (int i = 0; i < vec.length; i++) vec[i] = (float) Math.cos(i * 0.5 + text.length());
            return new flowscale.runtime.model.PromptEmbedding(txt.length / FluxFixture.TXT_WIDTH, txt, vec);
        };
        picocli.CommandLine cl = Main.commandLine();
        ((GenerateCommand) cl.getSubcommands().get("generate").getCommand()).textEncoder = encoder;
        Path prompts = dir.resolve("prompts.txt");
        Files.writeString(prompts, "a red fox\n# a comment\nthree blue birds over a lake\n");
        Run r = CliFixture.run(cl, "generate", "--model", FluxFixture.schnell().toString(), "--vae", FluxFixture.vae().toString(),
                "--rope-axes", "4,6,6", "--size", SIZE, "--prompts", prompts.toString(), "--method", "bon", "--budget", "8",
                "--out", dir.resolve("encoded").toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertEquals(List.of("a red fox", "three blue birds over a lake"), asked);
        assertEquals("three blue birds over a lake", trace("encoded/002-three-blue-birds-over-a-lake").get("run").get("prompt").asText());
        assertTrue(Files.isRegularFile(dir.resolve("encoded/index.html")));
    }

    @Test
    void pipelineFolderAndDiffusersEmbeddings() throws IOException {
        Path pipeline = FluxFixture.pipelineFolder(dir);
        Path diffusers = FluxFixture.diffusersEmbeddings(dir, "diffusers", 7, 5);
        Run r = run("generate", "--model", pipeline.toString(), "--prompt-embeds", diffusers.toString(), "--prompt", "a red fox",
                "--size", "16x16", "--method", "sop", "--budget", "200", "--reward", "jpeg-compressibility", "--sampler", "linear-sde",
                "--out", dir.resolve("pipeline-run").toString());
        assertEquals(0, r.code(), r.err() + r.out());
        assertEquals("a red fox", trace("pipeline-run").get("run").get("prompt").asText());
        assertImage(dir.resolve("pipeline-run/best.png"), 16, 16);
    }
}
