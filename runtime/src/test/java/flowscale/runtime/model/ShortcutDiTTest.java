package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A shortcut DiT (the step-size input d) against the double-precision {@link ScalarDiT} with random, all non-zero
 * weights (so the d path carries signal), under the tolerance and reasoning of {@link DiTForwardTest}; and how
 * checkpoints declare the input: {@code shortcut: true} in the metadata requires the {@code d_embedder} tensors,
 * a base checkpoint must not have them, and a base model refuses d != 0.
 */
class ShortcutDiTTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"reference", "cpu"})
    void matchesTheScalarOracleAtEveryStepSize(String backendName) {
        DiTConfig config = DiTConfig.of(32, 2, 2, 4.0, 5, 3).withShortcut(true);
        Path file = dir.resolve("shortcut.safetensors");
        DiTCheckpoints.random(config, 5, file);
        ScalarDiT oracle = new ScalarDiT(config, DiTCheckpoints.randomWeights(config, 5));
        SplittableRandom rng = new SplittableRandom(5);
        int n = 4;
        DiTForwardTest.Inputs in = DiTForwardTest.Inputs.random(rng, n, config.imageFloats());
        double[] d = {0.0, 1.0 / 128, 0.25, 1.0};
        try (Backend backend = Backends.create(backendName); DiT model = DiT.load(file, backend)) {
            assertTrue(model.takesStepSize());
            assertTrue(model.config().shortcut());
            float[][] out = new float[n][config.imageFloats()];
            model.velocity(n, in.x(), in.t(), d, in.cond(), out);
            for (int i = 0; i < n; i++) {
                double[] want = oracle.velocity(in.x()[i], in.t()[i], d[i], in.cond()[i].groups());
                DiTForwardTest.assertClose(want, out[i], "item " + i + " d=" + d[i]);
            }
            // no step sizes is d = 0 (the velocity), not "no embedding"
            float[][] plain = new float[1][config.imageFloats()];
            model.velocity(1, in.x(), in.t(), in.cond(), plain);
            DiTForwardTest.assertClose(oracle.velocity(in.x()[0], in.t()[0], 0.0, in.cond()[0].groups()), plain[0], "d omitted");
            double[] differs = oracle.velocity(in.x()[3], in.t()[3], 0.0, in.cond()[3].groups());
            double[] at1 = oracle.velocity(in.x()[3], in.t()[3], 1.0, in.cond()[3].groups());
            double gap = 0;
            for (int j = 0; j < at1.length; j++) gap = Math.max(gap, Math.abs(at1[j] - differs[j]));
            assertTrue(gap > 1e-2, "the step size must change the output of random weights, changed by " + gap);
            assertEquals(n + 1, model.nfe());
        }
    }

    @Test
    void checkpointsDeclareTheStepSizeInput() {
        DiTConfig base = DiTConfig.of(16, 1, 2, 2.0, 5, 3);
        DiTConfig shortcut = base.withShortcut(true);
        assertEquals("true", shortcut.toMetadata().get("shortcut"));
        assertFalse(base.toMetadata().containsKey("shortcut"), "a base checkpoint's metadata stays as it was");
        assertEquals(shortcut, DiTConfig.fromMetadata(shortcut.toMetadata()));
        assertEquals(base, DiTConfig.fromMetadata(base.toMetadata()));
        Map<String, String> bad = new LinkedHashMap<>(base.toMetadata());
        bad.put("shortcut", "yes");
        assertThrows(IllegalArgumentException.class, () -> DiTConfig.fromMetadata(bad));

        Map<String, float[]> shortcutWeights = DiTCheckpoints.randomWeights(shortcut, 1);
        assertTrue(shortcutWeights.containsKey("d_embedder.mlp.0.weight") && shortcutWeights.containsKey("d_embedder.mlp.2.bias"));
        Path file = dir.resolve("s.safetensors");
        DiTCheckpoints.write(shortcut, shortcutWeights, file);
        assertTrue(DiTCheckpoints.readConfig(file).shortcut());

        // shortcut metadata without the d_embedder tensors: missing; base metadata with them: unused
        Map<String, float[]> baseWeights = new LinkedHashMap<>(shortcutWeights);
        baseWeights.keySet().removeIf(k -> k.startsWith("d_embedder."));
        try (Backend backend = Backends.create("reference")) {
            CheckpointException missing = assertThrows(CheckpointException.class,
                    () -> DiTWeights.bind(shortcut, TensorSource.of("t", baseWeights), backend));
            assertTrue(missing.getMessage().contains("missing tensors [d_embedder.mlp.0.bias"), missing.getMessage());
            CheckpointException unused = assertThrows(CheckpointException.class,
                    () -> DiTWeights.bind(base, TensorSource.of("t", shortcutWeights), backend));
            assertTrue(unused.getMessage().contains("unused tensors [d_embedder.mlp.0.bias"), unused.getMessage());

            DiT plain = DiT.fromWeights(base, baseWeights, backend);
            assertFalse(plain.takesStepSize());
            float[][] x = new float[1][base.imageFloats()], out = new float[1][base.imageFloats()];
            plain.velocity(1, x, new double[] {0.5}, new double[] {0.0}, new Condition[] {Condition.NONE}, out);
            assertThrows(IllegalArgumentException.class,
                    () -> plain.velocity(1, x, new double[] {0.5}, new double[] {0.25}, new Condition[] {Condition.NONE}, out));
        }
    }
}
