package flowscale.runtime.train;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The start of a shortcut fine-tuning is the shipped model itself: the shipped weights plus a step-size embedder whose
 * output layer is zero reproduce the base model's velocities bit for bit at d = 0 (the conditioning vector gets
 * {@code + 0}, which changes no float), on the scalar reference and on the cpu backend. It holds at any d before
 * training, which the test also checks, and the embedder's first layer is not zero (the test would otherwise not
 * tell a missing embedding from a zero one).
 */
class ShortcutInitialisationTest {
    static final Path SHIPPED = Path.of("..", "weights", "shapes-dit.safetensors");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"reference", "cpu"})
    void theZeroInitialisedStepSizeEmbeddingReproducesTheShippedModelBitForBit(String backendName) {
        assertTrue(Files.isRegularFile(SHIPPED), "the shipped model is missing at " + SHIPPED.toAbsolutePath());
        DiTConfig base = DiTCheckpoints.readConfig(SHIPPED);
        assertFalse(base.shortcut());
        Map<String, float[]> weights = Initialisation.shortcut(base, DiTCheckpoints.readTensors(SHIPPED), 17);
        float[] first = weights.get("d_embedder.mlp.0.weight");
        double norm = 0;
        for (float v : first) norm += v * v;
        assertTrue(norm > 0, "d_embedder.mlp.0 is zero");
        for (float v : weights.get("d_embedder.mlp.2.weight")) assertTrue(v == 0f);

        int n = 5, dim = base.imageFloats();
        SplittableRandom rng = new SplittableRandom(3);
        float[][] x = new float[n][dim];
        for (float[] row : x) for (int j = 0; j < dim; j++) row[j] = (float) rng.nextGaussian();
        double[] t = {0.993, 0.709, 0.5, 0.1, 1.0};
        Condition[] cond = {new Condition("2 red circles", new int[][] {{2, 0, 0}}), Condition.NONE,
            new Condition("1 blue square and 3 green triangles", new int[][] {{1, 2, 1}, {3, 1, 2}}),
            new Condition("4 red squares", new int[][] {{4, 0, 1}}), new Condition("1 red circle", new int[][] {{1, 0, 0}})};
        try (Backend backend = Backends.create(backendName);
             DiT baseModel = DiT.load(SHIPPED, backend);
             DiT shortcut = DiT.fromWeights(base.withShortcut(true), weights, backend)) {
            assertTrue(shortcut.takesStepSize());
            float[][] want = new float[n][dim], atZero = new float[n][dim], omitted = new float[n][dim], atT = new float[n][dim];
            baseModel.velocity(n, x, t, cond, want);
            shortcut.velocity(n, x, t, new double[n], cond, atZero);
            shortcut.velocity(n, x, t, cond, omitted);
            shortcut.velocity(n, x, t, t, cond, atT);
            for (int i = 0; i < n; i++) {
                assertArrayEquals(want[i], atZero[i], "item " + i + " at d = 0");
                assertArrayEquals(want[i], omitted[i], "item " + i + " without step sizes");
                assertArrayEquals(want[i], atT[i], "item " + i + " at d = t before training");
            }
        }
    }
}
