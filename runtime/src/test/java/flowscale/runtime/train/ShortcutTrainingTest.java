package flowscale.runtime.train;

import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;
import flowscale.kernels.cpu.CpuBackend;
import flowscale.kernels.reference.ReferenceBackend;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Shortcut training ({@code shortcut: true}, started from a base checkpoint with {@code init}): it is deterministic and
 * resumable bit for bit like a base run, it writes a shortcut checkpoint, and a short run lowers the shortcut
 * (self-consistency) loss of a trained tiny base model.
 */
class ShortcutTrainingTest {
    private static final TrainConfig SMALL = TrainConfig.DEFAULT.withOverrides("""
            {"hiddenSize": 16, "depth": 1, "numHeads": 2, "patchSize": 8, "frequencyEmbeddingSize": 16,
             "batchSize": 3, "steps": 6, "warmupSteps": 2, "checkpointEvery": 2,
             "shortcut": true, "shortcutFraction": 0.34}""");

    @Test
    void aResumedShortcutRunFromABaseCheckpointEqualsAnUninterruptedOne(@TempDir Path dir) {
        Path base = dir.resolve("base.safetensors");
        DiTCheckpoints.random(SMALL.model().withShortcut(false), 9, base);
        TrainConfig config = SMALL.withOverrides("{\"init\": \"" + base.toString().replace("\\", "\\\\") + "\"}");
        assertEquals(1, config.selfConsistencyItems());
        Path straight = dir.resolve("straight"), interrupted = dir.resolve("interrupted"), again = dir.resolve("again");
        try (ReferenceBackend be = new ReferenceBackend()) {
            assertTrue(new Trainer(config, straight, be, Trainer.Listener.NONE).run(() -> false).finished());
            assertTrue(new Trainer(config, again, be, Trainer.Listener.NONE).run(() -> false).finished());
        }
        AtomicInteger calls = new AtomicInteger();
        try (ReferenceBackend be = new ReferenceBackend()) {
            Trainer.Result r = new Trainer(config, interrupted, be, Trainer.Listener.NONE).run(() -> calls.getAndIncrement() >= 3);
            assertFalse(r.finished());
        }
        try (ReferenceBackend be = new ReferenceBackend()) {
            assertTrue(new Trainer(config, interrupted, be, Trainer.Listener.NONE).run(() -> false).finished());
        }
        try (ReferenceBackend be = new ReferenceBackend()) {
            ParameterSet a = load(be, config, straight), b = load(be, config, interrupted), c = load(be, config, again);
            for (Tensor[] buffers : List.of(new Tensor[] {a.params, b.params, c.params}, new Tensor[] {a.ema, b.ema, c.ema},
                    new Tensor[] {a.adamM, b.adamM, c.adamM}, new Tensor[] {a.adamV, b.adamV, c.adamV})) {
                Map<String, float[]> x = a.toHost(buffers[0]), y = b.toHost(buffers[1]), z = c.toHost(buffers[2]);
                for (String name : a.names()) {
                    assertArrayEquals(x.get(name), y.get(name), "resumed: " + name);
                    assertArrayEquals(x.get(name), z.get(name), "same seed, same bits: " + name);
                }
            }
            assertTrue(a.names().contains("d_embedder.mlp.2.weight"));
            // the step-size embedder was trained (its output layer left zero)
            float[] out = a.toHost(a.params).get("d_embedder.mlp.2.weight");
            double norm = 0;
            for (float v : out) norm += v * v;
            assertTrue(norm > 0, "d_embedder.mlp.2 got no gradient");
            try (DiT model = DiT.load(straight.resolve(Trainer.EMA_FILE), be)) {
                assertTrue(model.takesStepSize(), "the EMA checkpoint declares the step-size input");
            }
        }
        // the log splits the loss into its flow-matching and self-consistency parts (2 items and 1 of the batch of 3),
        // and the resumed run's rows are the uninterrupted run's
        List<String> one = read(straight.resolve(LossLog.CSV)), two = read(interrupted.resolve(LossLog.CSV));
        assertTrue(one.getFirst().endsWith(",flow_matching_loss,self_consistency_loss"), one.getFirst());
        assertEquals(7, two.size());
        for (int i = 1; i < one.size(); i++) {
            String[] p = one.get(i).split(","), q = two.get(i).split(",");
            assertEquals(9, p.length);
            assertEquals(p[0] + p[1] + p[7] + p[8], q[0] + q[1] + q[7] + q[8], "row " + i);
            double loss = Double.parseDouble(p[1]), parts = (2 * Double.parseDouble(p[7]) + Double.parseDouble(p[8])) / 3;
            assertEquals(loss, parts, 1e-4 * loss, "row " + i + ": the parts make up the loss");
        }
        // a base run cannot start from a shortcut checkpoint, nor a run from another architecture
        try (ReferenceBackend be = new ReferenceBackend()) {
            String shortcutFile = straight.resolve(Trainer.EMA_FILE).toString().replace("\\", "\\\\");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(
                    SMALL.withOverrides("{\"shortcut\": false, \"init\": \"" + shortcutFile + "\"}"), dir.resolve("x"), be,
                    Trainer.Listener.NONE).run(() -> false));
            assertTrue(e.getMessage().contains("different model"), e.getMessage());
        }
    }

    private static List<String> read(Path file) {
        try {
            return java.nio.file.Files.readAllLines(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ParameterSet load(TrainingBackend be, TrainConfig config, Path run) {
        ParameterSet p = new ParameterSet(config.model(), be);
        assertEquals(6, TrainingCheckpoint.load(run.resolve(TrainingCheckpoint.FILE), p).step());
        return p;
    }

    /**
     * A tiny base model trained for a few seconds, then fine-tuned as a shortcut model for a few more: the mean squared
     * gap between its output at step d and the self-consistency target, on fixed held-out items, falls well below
     * where it started (the base model, whose output ignores d, predicts the start velocity for every jump).
     */
    @Test
    void aShortRunLowersTheShortcutLoss(@TempDir Path dir) {
        TrainConfig base = TinyTrainingTest.tiny(120);
        TrainConfig shortcut = base.withOverrides("""
                {"shortcut": true, "shortcutFraction": 0.5, "steps": 100, "learningRate": 1e-3, "warmupSteps": 10,
                 "init": "%s"}""".formatted(dir.resolve("base").resolve(Trainer.EMA_FILE).toString().replace("\\", "\\\\")));
        try (CpuBackend be = new CpuBackend(2)) {
            new Trainer(base, dir.resolve("base"), be, Trainer.Listener.NONE, TinyTrainingTest.slice()).run(() -> false);
            new Trainer(shortcut, dir.resolve("shortcut"), be, Trainer.Listener.NONE, TinyTrainingTest.slice()).run(() -> false);
            DiTConfig model = shortcut.model();
            Map<String, float[]> start = Initialisation.shortcut(base.model(),
                    DiTCheckpoints.readTensors(dir.resolve("base").resolve(Trainer.EMA_FILE)), shortcut.seed());
            Map<String, float[]> end = DiTCheckpoints.readTensors(dir.resolve("shortcut").resolve(Trainer.EMA_FILE));
            double before = shortcutLoss(be, shortcut, model, start), after = shortcutLoss(be, shortcut, model, end);
            assertTrue(before > 0, "the base model is not already self-consistent");
            // measured (cpu, AVX-512): 0.00611 -> 0.00364, a ratio of 0.60; the run is deterministic, the margin is for
            // other vector widths
            assertTrue(after < 0.75 * before, "shortcut loss fell only from " + before + " to " + after);
        }
    }

    /** Mean squared gap between {@code s(x, t, d)} and its self-consistency target on the self-consistency items of 4 batches far from training. */
    private static double shortcutLoss(TrainingBackend be, TrainConfig config, DiTConfig model, Map<String, float[]> weights) {
        ParameterSet p = new ParameterSet(model, be);
        p.fromHost(weights, p.params);
        int items = config.selfConsistencyItems(), n = model.imageFloats(), first = config.batchSize() - items;
        TrainableDiT net = new TrainableDiT(p, items);
        SelfConsistencyTarget target = new SelfConsistencyTarget(new TrainableDiT(p, items), config.shortcutSteps());
        double sum = 0;
        long count = 0;
        for (long step = 1_000_000; step < 1_000_004; step++) {
            TrainingBatch b = TrainingBatch.of(config, TinyTrainingTest.slice(), step);
            target.fill(b);
            float[] x = java.util.Arrays.copyOfRange(b.xt(), first * n, b.xt().length);
            float[] out = new float[x.length];
            net.output(x, java.util.Arrays.copyOfRange(b.t(), first, b.t().length), java.util.Arrays.copyOfRange(b.d(), first, b.d().length),
                    java.util.Arrays.copyOfRange(b.cond(), first, b.cond().length), out);
            for (int k = 0; k < out.length; k++) {
                double e = out[k] - b.target()[first * n + k];
                sum += e * e;
                count++;
            }
        }
        return sum / count;
    }
}
