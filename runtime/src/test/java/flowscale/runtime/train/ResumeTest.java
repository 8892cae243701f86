package flowscale.runtime.train;

import flowscale.kernels.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
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
 * An interrupted run resumed from its checkpoint ends exactly where the uninterrupted run ends: same weights, EMA
 * and AdamW state bit for bit, the same loss rows (none twice). On the reference backend, whose results do not
 * depend on anything but the inputs.
 */
class ResumeTest {
    private static final TrainConfig SMALL = TrainConfig.DEFAULT.withOverrides("""
            {"hiddenSize": 16, "depth": 1, "numHeads": 2, "patchSize": 8, "frequencyEmbeddingSize": 16,
             "batchSize": 3, "steps": 6, "warmupSteps": 2, "checkpointEvery": 2}""");

    @Test
    void aResumedRunEqualsAnUninterruptedOne(@TempDir Path dir) throws Exception {
        Path straight = dir.resolve("straight"), interrupted = dir.resolve("interrupted");
        try (ReferenceBackend be = new ReferenceBackend()) {
            assertTrue(new Trainer(SMALL, straight, be, Trainer.Listener.NONE).run(() -> false).finished());
        }
        AtomicInteger calls = new AtomicInteger();
        try (ReferenceBackend be = new ReferenceBackend()) {
            // "Ctrl-C" after 3 steps: the stop flag is read before each step.
            Trainer.Result r = new Trainer(SMALL, interrupted, be, Trainer.Listener.NONE).run(() -> calls.getAndIncrement() >= 3);
            assertFalse(r.finished());
            assertEquals(3, r.step());
        }
        try (ReferenceBackend be = new ReferenceBackend()) {
            Trainer.Result r = new Trainer(SMALL, interrupted, be, Trainer.Listener.NONE).run(() -> false);
            assertTrue(r.finished());
            assertEquals(6, r.step());
        }
        try (ReferenceBackend be = new ReferenceBackend()) {
            ParameterSet a = new ParameterSet(SMALL.model(), be), b = new ParameterSet(SMALL.model(), be);
            assertEquals(6, TrainingCheckpoint.load(straight.resolve(TrainingCheckpoint.FILE), a).step());
            assertEquals(6, TrainingCheckpoint.load(interrupted.resolve(TrainingCheckpoint.FILE), b).step());
            for (var buffers : List.of(new flowscale.kernels.Tensor[] {a.params, b.params}, new flowscale.kernels.Tensor[] {a.ema, b.ema},
                    new flowscale.kernels.Tensor[] {a.adamM, b.adamM}, new flowscale.kernels.Tensor[] {a.adamV, b.adamV})) {
                Map<String, float[]> x = a.toHost(buffers[0]), y = b.toHost(buffers[1]);
                for (String name : a.names()) assertArrayEquals(x.get(name), y.get(name), name);
            }
        }
        List<String> one = Files.readAllLines(straight.resolve(LossLog.CSV)), two = Files.readAllLines(interrupted.resolve(LossLog.CSV));
        assertEquals(7, two.size(), "header and one row per step: " + two);
        for (int i = 0; i < one.size(); i++) {
            String[] p = one.get(i).split(","), q = two.get(i).split(",");
            assertEquals(p[0] + p[1], q[0] + q[1], "row " + i); // step and loss (throughput and time differ)
        }
        assertTrue(Files.isRegularFile(interrupted.resolve(Trainer.EMA_FILE)));
    }

    @Test
    void aCheckpointOfAnotherConfigIsNotResumed(@TempDir Path dir) {
        try (ReferenceBackend be = new ReferenceBackend()) {
            new Trainer(SMALL.withOverrides("{\"steps\": 1}"), dir, be, Trainer.Listener.NONE).run(() -> false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new Trainer(SMALL.withOverrides("{\"learningRate\": 0.5}"), dir, be, Trainer.Listener.NONE).run(() -> false));
            assertTrue(e.getMessage().contains("learningRate"), e.getMessage());
            // a longer run of the same config continues
            assertEquals(3, new Trainer(SMALL.withOverrides("{\"steps\": 3}"), dir, be, Trainer.Listener.NONE).run(() -> false).step());
        }
    }
}
