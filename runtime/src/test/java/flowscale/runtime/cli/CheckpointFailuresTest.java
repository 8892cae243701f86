package flowscale.runtime.cli;

import flowscale.runtime.application.PromptsFile;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.loader.SafetensorsWriter;
import flowscale.runtime.data.Vocabulary;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.model.DiTWeights;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bad model files of every kind given to {@code generate --model}, {@code evaluate --model} and {@code inspect}:
 * each a one-line error with exit 2 before any work; a sharded checkpoint loads everywhere.
 */
class CheckpointFailuresTest {
    @TempDir
    static Path dir;
    static DiTConfig config;
    static Path good;

    @BeforeAll
    static void writeTinyModel() {
        config = new DiTConfig(32, 3, 4, 16, 1, 2, 2.0, 256, Vocabulary.MAX_GROUPS, Vocabulary.MAX_COUNT,
                Vocabulary.COLOURS, Vocabulary.SHAPES, Map.of());
        good = dir.resolve("tiny.safetensors");
        DiTCheckpoints.random(config, 42, good);
    }

    private static String[] generate(Path model, String out) {
        return new String[] {"generate", "--model", model.toString(), "--prompt", "1 red circle", "--method", "bon",
                "--budget", "8", "--steps", "2", "--out", dir.resolve(out).toString()};
    }

    private static String[] evaluate(Path model, String out) {
        return new String[] {"evaluate", "--model", model.toString(), "--count", "2", "--steps", "2", "--out", dir.resolve(out).toString()};
    }

    private static void assertRefusedEverywhere(Path model, String fragment) {
        String tag = model.getFileName().toString();
        CliRun.of(generate(model, "g-" + tag)).assertError(2, fragment);
        CliRun.of(evaluate(model, "e-" + tag)).assertError(2, fragment);
        assertFalse(Files.exists(dir.resolve("g-" + tag)), "generate wrote nothing for " + tag);
        assertFalse(Files.exists(dir.resolve("e-" + tag)), "evaluate wrote nothing for " + tag);
    }

    @Test
    void nonFiniteWeightsAreRefusedAtLoadNamingTheTensor() {
        Map<String, float[]> w = DiTCheckpoints.randomWeights(config, 1);
        w.get("final_layer.linear.weight")[3] = Float.NaN;
        Path nan = dir.resolve("nan.safetensors");
        DiTCheckpoints.write(config, w, nan);
        assertRefusedEverywhere(nan, "final_layer.linear.weight");

        Map<String, float[]> v = DiTCheckpoints.randomWeights(config, 1);
        v.get("blocks.0.attn.qkv.weight")[0] = Float.POSITIVE_INFINITY;
        Path inf = dir.resolve("inf.safetensors");
        DiTCheckpoints.write(config, v, inf);
        assertRefusedEverywhere(inf, "blocks.0.attn.qkv.weight");
    }

    @Test
    void aShardedCheckpointLoadsInGenerateEvaluateAndInspect() throws Exception {
        Map<String, float[]> w = DiTCheckpoints.randomWeights(config, 42);
        Map<String, long[]> shapes = DiTWeights.parameters(config);
        Path shardDir = dir.resolve("sharded");
        Files.createDirectories(shardDir);
        SafetensorsWriter a = new SafetensorsWriter(), b = new SafetensorsWriter();
        config.toMetadata().forEach(a::metadata);
        config.toMetadata().forEach(b::metadata);
        Map<String, String> weightMap = new TreeMap<>();
        int i = 0;
        for (Map.Entry<String, float[]> e : new TreeMap<>(w).entrySet()) {
            boolean first = i++ % 2 == 0;
            (first ? a : b).addF32(e.getKey(), shapes.get(e.getKey()), e.getValue());
            weightMap.put(e.getKey(), first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors");
        }
        a.write(shardDir.resolve("model-00001-of-00002.safetensors"));
        b.write(shardDir.resolve("model-00002-of-00002.safetensors"));
        Map<String, Object> index = new LinkedHashMap<>();
        index.put("metadata", Map.of("total_size", 1234));
        index.put("weight_map", weightMap);
        Path indexFile = shardDir.resolve("model.safetensors.index.json");
        new ObjectMapper().writeValue(indexFile.toFile(), index);

        CliRun g = CliRun.of(generate(indexFile, "g-sharded"));
        assertEquals(0, g.code(), g.err());
        CliRun whole = CliRun.of(generate(good, "g-whole"));
        assertEquals(0, whole.code(), whole.err());
        assertTrue(Arrays.equals(Files.readAllBytes(dir.resolve("g-whole/best.png")), Files.readAllBytes(dir.resolve("g-sharded/best.png"))),
                "the same weights give the same image, sharded or not");
        CliRun e = CliRun.of(evaluate(indexFile, "e-sharded"));
        assertEquals(0, e.code(), e.err());
        assertEquals(0, CliRun.of("inspect", indexFile.toString()).code());
    }

    @Test
    void filesThatAreNotCheckpointsAreOneLineErrors() throws Exception {
        Path empty = dir.resolve("empty.safetensors");
        Files.write(empty, new byte[0]);
        Path text = dir.resolve("notes.safetensors");
        Files.writeString(text, "this is a text file, not a checkpoint\n");
        Path truncated = dir.resolve("truncated.safetensors");
        byte[] all = Files.readAllBytes(good);
        Files.write(truncated, Arrays.copyOf(all, all.length / 2));
        Path garbage = dir.resolve("garbage.bin");
        byte[] noise = new byte[4096];
        new java.util.Random(3).nextBytes(noise);
        Files.write(garbage, noise);
        Path unet = dir.resolve("unet.safetensors");
        new SafetensorsWriter().metadata("flowscale.arch", "unet").addF32("w", new long[] {1}, new float[] {1}).write(unet);
        Path fifo = dir.resolve("fifo.safetensors");
        assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
        Path directory = dir.resolve("adir.safetensors");
        Files.createDirectories(directory);

        assertRefusedEverywhere(empty, "8-byte");
        assertRefusedEverywhere(text, "not a safetensors file");
        assertRefusedEverywhere(garbage, "safetensors");
        assertRefusedEverywhere(truncated, "truncated.safetensors");
        assertRefusedEverywhere(unet, "expected 'dit'");
        assertRefusedEverywhere(fifo, "not a regular file");
        assertRefusedEverywhere(directory, "directory");
        assertRefusedEverywhere(dir.resolve("missing.safetensors"), "does not exist");
        CliRun.of("evaluate", "--model", "toy:gmm", "--out", dir.resolve("t").toString()).assertError(2, "toy");
        CliRun.of("evaluate", "--model", good.toString(), "--prompts", "5", "--out", dir.resolve("t").toString())
                .assertError(2, "--count");
    }

    @Test
    void worldsPromptsFileRunsAndEveryTraceSaysHowToReproduceItsPrompt() throws Exception {
        Path world = dir.resolve("world");
        assertEquals(0, CliRun.of("world", "--count", "2", "--seed", "4", "--out", world.toString()).code());
        Path out = dir.resolve("batch");
        CliRun r = CliRun.of("generate", "--model", good.toString(), "--prompts", world.resolve("prompts.txt").toString(),
                "--method", "bon", "--budget", "8", "--steps", "2", "--cfg", "1.5", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        java.util.List<String> lines = Files.readAllLines(world.resolve("prompts.txt"));
        String sha = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(good)));
        for (int i = 0; i < 2; i++) {
            String prompt = lines.get(i).substring(lines.get(i).indexOf('\t') + 1);
            Path d = out.resolve(PromptsFile.directoryName(i + 1, prompt));
            var run = new ObjectMapper().readTree(d.resolve("trace.json").toFile()).get("run");
            assertEquals(prompt, run.get("prompt").asText());
            assertEquals(i, run.get("promptIndex").asInt());
            assertEquals(i + 1, run.get("promptLine").asInt());
            assertEquals(good.toString(), run.get("model").asText());
            assertEquals(sha, run.get("modelSha256").asText());
            assertEquals(Files.size(good), run.get("modelBytes").asLong());
            assertEquals(1.5, run.get("cfg").asDouble());
            assertEquals("cpu", run.get("backend").asText());
        }
        // The README's example file ships at the repository's top (tests run in runtime/) and every line parses.
        Path examples = Path.of("").toAbsolutePath().getParent().resolve("examples/prompts.txt");
        assertTrue(PromptsFile.read(examples).size() >= 3, "examples/prompts.txt");
    }

    @Test
    void aRunWithNoFiniteCandidateLeavesNoImageOfAnEarlierRun() throws Exception {
        Path out = dir.resolve("no-finite");
        assertEquals(0, CliRun.of(generate(good, "no-finite")).code());
        assertTrue(Files.isRegularFile(out.resolve("best.png")));
        // Finite weights whose products overflow: every estimate is infinite, so no candidate can be chosen.
        Map<String, float[]> w = DiTCheckpoints.randomWeights(config, 1);
        for (String k : new String[] {"final_layer.linear.weight", "final_layer.linear.bias"}) {
            float[] v = w.get(k);
            for (int i = 0; i < v.length; i++) v[i] = 3e38f;
        }
        Path overflow = dir.resolve("overflow.safetensors");
        DiTCheckpoints.write(config, w, overflow);
        CliRun r = CliRun.of(generate(overflow, "no-finite"));
        // stderr: the search's summary line, then the error
        java.util.List<String> lines = r.err().strip().lines().toList();
        assertEquals(2, lines.size(), r.err());
        new CliRun(r.code(), r.out(), lines.get(1)).assertError(1, "no candidate had a finite estimate");
        assertTrue(Files.isRegularFile(out.resolve("trace.json")));
        for (String f : new String[] {"best.png", "best_x8.png", "candidates.png"}) {
            if (f.equals("candidates.png") && Files.exists(out.resolve(f))) continue; // this run's own non-finite candidates
            assertFalse(Files.exists(out.resolve(f)), f + " of the earlier run is still beside the new trace");
        }
        String trace = Files.readString(out.resolve("trace.json"));
        assertTrue(trace.contains(overflow.toString()), "the trace is the new run's");
    }

    @Test
    void namesAreAcceptedInAnyCase() {
        CliRun r = CliRun.of("generate", "--model", good.toString(), "--prompt", "1 RED Circle", "--backend", "CPU:1",
                "--method", "BON", "--sampler", "VP-SDE", "--reward", "Counting", "--budget", "8", "--steps", "2",
                "--out", dir.resolve("cases").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.isRegularFile(dir.resolve("cases/best.png")));
        CliRun e = CliRun.of("evaluate", "--model", good.toString(), "--count", "2", "--steps", "2", "--sampler", "ODE",
                "--backend", "Cpu", "--out", dir.resolve("cases-eval").toString());
        assertEquals(0, e.code(), e.err());
    }

    @Test
    void absurdMetadataIsAUserErrorNotAnInternalFailure() throws Exception {
        for (String[] kv : new String[][] {{"image_size", "1048576"}, {"image_size", "40000"}, {"depth", "100000"}, {"in_channels", "100000"}}) {
            Map<String, String> meta = new LinkedHashMap<>(config.toMetadata());
            meta.put(kv[0], kv[1]);
            Path f = dir.resolve("absurd-" + kv[0] + "-" + kv[1] + ".safetensors");
            SafetensorsWriter wr = new SafetensorsWriter();
            meta.forEach(wr::metadata);
            Map<String, float[]> w = DiTCheckpoints.randomWeights(config, 1);
            Map<String, long[]> shapes = DiTWeights.parameters(config);
            w.forEach((k, v) -> wr.addF32(k, shapes.get(k), v));
            wr.write(f);
            assertRefusedEverywhere(f, kv[0]);
        }
    }
}
