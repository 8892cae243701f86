package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A DiT keeps its blocks' modulations from one pass to the next while the timesteps, step sizes and conditions of
 * its rows repeat (RBF redraws a level at the same times). Each call of a sequence that repeats, changes one of the
 * three, changes the batch size and comes back is compared bit for bit with the same call on a DiT that has never
 * been called (so it computes everything), on the shipped shortcut checkpoint (which has all three inputs) with and
 * without guidance.
 */
class ModulationReuseTest {
    static final Path SHORTCUT = Path.of("..", "weights", "shapes-shortcut.safetensors");

    @Test
    void aPassThatReusesTheModulationsEqualsOneThatComputesThem() {
        assertTrue(Files.isRegularFile(SHORTCUT), "the shipped checkpoint " + SHORTCUT.toAbsolutePath() + " is missing");
        try (Backend backend = Backends.create("cpu")) {
            DiTWeights weights = DiTCheckpoints.read(SHORTCUT, backend);
            for (double guidance : new double[] {1.0, 2.0}) {
                DiT reused = new DiT(weights, backend, guidance, 64);
                SplittableRandom rng = new SplittableRandom(5);
                Condition a = new Condition("2 red circles", new int[][] {{2, 0, 0}});
                Condition b = new Condition("1 blue square and 3 green triangles", new int[][] {{1, 1, 1}, {3, 2, 2}});
                Object[][] calls = {
                    // t, d, conditions
                    {new double[] {0.9, 0.7}, new double[] {0.25, 0.5}, new Condition[] {a, b}},
                    {new double[] {0.9, 0.7}, new double[] {0.25, 0.5}, new Condition[] {a, b}},   // repeats: reused
                    {new double[] {0.9, 0.6}, new double[] {0.25, 0.5}, new Condition[] {a, b}},   // one time changes
                    {new double[] {0.9, 0.6}, new double[] {0.25, 0.5}, new Condition[] {a, b}},
                    {new double[] {0.9, 0.6}, new double[] {0.25, 0.5}, new Condition[] {b, b}},   // a condition changes
                    {new double[] {0.9, 0.6}, new double[] {0.25, 0.0}, new Condition[] {b, b}},   // a step size changes
                    {new double[] {0.9, 0.6}, null, new Condition[] {b, b}},                       // no step sizes: d = 0
                    {new double[] {0.9, 0.6, 0.6}, new double[] {0.25, 0.0, 0.0}, new Condition[] {b, b, b}}, // more rows
                    {new double[] {0.9, 0.6}, new double[] {0.25, 0.0}, new Condition[] {b, b}},   // back to two rows
                    {new double[] {0.9, 0.6}, new double[] {0.25, 0.0}, new Condition[] {b, b}},
                };
                for (int c = 0; c < calls.length; c++) {
                    double[] t = (double[]) calls[c][0], d = (double[]) calls[c][1];
                    Condition[] cond = (Condition[]) calls[c][2];
                    int n = t.length;
                    float[][] x = new float[n][reused.dim()];
                    for (float[] row : x) for (int j = 0; j < row.length; j++) row[j] = (float) rng.nextGaussian();
                    float[][] got = new float[n][reused.dim()], want = new float[n][reused.dim()];
                    reused.velocity(n, x, t, d, cond, got);
                    new DiT(weights, backend, guidance, 64).velocity(n, x, t, d, cond, want);
                    for (int i = 0; i < n; i++) {
                        assertArrayEquals(want[i], got[i], "guidance " + guidance + ", call " + c + " " + Arrays.toString(t)
                                + ", latent " + i + ": the pass after the earlier calls differs from a first pass");
                    }
                }
            }
        }
    }
}
