package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainAndEvaluateCommandTest {
    @TempDir
    Path dir;

    @RegisterExtension
    final StdStreams std = new StdStreams();

    private void assertOneLineError(String... args) {
        std.resetErr();
        assertEquals(2, Main.execute(args), std.err());
        String e = std.err().strip();
        assertFalse(e.isEmpty());
        assertEquals(1, e.lines().count(), e);
        assertFalse(e.contains("Exception"), e);
    }

    @Test
    void printConfigShowsEveryFieldWithItsDefault() throws Exception {
        assertEquals(0, Main.execute("train", "--print-config"), std.err());
        Map<?, ?> json = new ObjectMapper().readValue(std.out(), Map.class);
        assertEquals(TrainConfig.DEFAULT.toMap().keySet(), json.keySet());
    }

    @Test
    void badTrainingInputFailsInOneLine() throws Exception {
        Path cfg = dir.resolve("bad.json");
        Files.writeString(cfg, "{\"depht\": 3}");
        assertOneLineError("train", "--config", cfg.toString(), "--out", dir.resolve("o").toString());
        Files.writeString(cfg, "{ not json");
        assertOneLineError("train", "--config", cfg.toString(), "--out", dir.resolve("o").toString());
        assertOneLineError("train", "--config", dir.resolve("missing.json").toString(), "--out", dir.resolve("o").toString());
        assertOneLineError("train", "--steps", "0", "--out", dir.resolve("o").toString());
        assertOneLineError("train", "--backend", "opencl", "--out", dir.resolve("o").toString());
        assertOneLineError("train");
        assertFalse(Files.exists(dir.resolve("o")));
    }

    @Test
    void trainWritesAResumableRunAndEvaluateScoresIt() throws Exception {
        Path cfg = dir.resolve("tiny.json");
        Files.writeString(cfg, """
                {"hiddenSize": 16, "depth": 1, "numHeads": 2, "patchSize": 8, "frequencyEmbeddingSize": 16,
                 "batchSize": 2, "steps": 3, "warmupSteps": 1, "checkpointEvery": 2, "threads": 1}""");
        Path run = dir.resolve("run");
        assertEquals(0, Main.execute("train", "--config", cfg.toString(), "--out", run.toString()), std.err());
        for (String f : new String[] {"checkpoint.safetensors", "ema.safetensors", "loss.csv", "loss.png"}) {
            assertTrue(Files.size(run.resolve(f)) > 0, f);
        }
        assertTrue(std.err().contains("finished at step 3"), std.err());
        std.resetErr();
        assertEquals(0, Main.execute("train", "--config", cfg.toString(), "--out", run.toString(), "--steps", "4"), std.err());
        assertTrue(std.err().contains("resuming at step 3") && std.err().contains("finished at step 4"), std.err());
        assertEquals(5, Files.readAllLines(run.resolve("loss.csv")).size());
        Files.writeString(cfg, Files.readString(cfg).replace("\"batchSize\": 2", "\"batchSize\": 3"));
        assertOneLineError("train", "--config", cfg.toString(), "--out", run.toString());

        Path eval = dir.resolve("eval");
        assertEquals(0, Main.execute("evaluate", "--model", run.resolve("ema.safetensors").toString(), "--count", "5",
                "--steps", "2", "--out", eval.toString()), std.err());
        Map<?, ?> json = new ObjectMapper().readValue(eval.resolve("evaluation.json").toFile(), Map.class);
        assertEquals(5, json.get("prompts"));
        double acc = ((Number) json.get("exact_count_accuracy")).doubleValue();
        assertTrue(acc >= 0 && acc <= 1);
        assertTrue(Files.readString(eval.resolve("evaluation.md")).contains("exact-count accuracy"));
        assertTrue(Files.size(eval.resolve("samples.png")) > 0);
    }

    @Test
    void badEvaluationInputFailsInOneLine() {
        Path model = dir.resolve("m.safetensors");
        DiTCheckpoints.random(new DiTConfig(32, 3, 8, 16, 1, 2, 2.0, 16, 3, 4, 4, 3, Map.of()), 1, model);
        assertOneLineError("evaluate", "--model", dir.resolve("none.safetensors").toString(), "--out", dir.resolve("e").toString());
        assertOneLineError("evaluate", "--model", model.toString(), "--prompts", "0", "--out", dir.resolve("e").toString());
        assertOneLineError("evaluate", "--model", model.toString(), "--sampler", "warp", "--out", dir.resolve("e").toString());
        assertFalse(Files.exists(dir.resolve("e")));
    }
}
