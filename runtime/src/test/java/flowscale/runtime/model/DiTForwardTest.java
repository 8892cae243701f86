package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DiT forward pass against {@link ScalarDiT}, an independent double-precision implementation, on
 * random weights written as a safetensors checkpoint and loaded back.
 *
 * <p>Tolerance: {@code max |u - u_oracle| <= 2e-5 * max |u_oracle|}. The backends compute in float32
 * (unit roundoff 6e-8); the longest reductions are the GEMMs over at most 256 inputs (the timestep
 * features) and the attention over 67 keys, each adding relative errors of order 1e-7..1e-6, and depth 2
 * compounds them by a small factor. The timestep is fed as float32 {@code t*1000} to both, so its
 * rounding is not an error here. Measured worst cases: 3.3e-7 (reference), 7.6e-7 (cpu). 2e-5 leaves a
 * margin of ~25x over the measured error and is still far below any real bug: a wrong chunk order, head
 * split, constant or position table moves the output by O(1e-2..1) relative.
 */
class DiTForwardTest {
    static final double TOLERANCE = 2e-5;

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        return Stream.of("reference", "cpu").flatMap(backend -> Stream.of(
                Arguments.of(backend, 32, 1, 1, 4.0, 1.0),
                Arguments.of(backend, 48, 2, 4, 4.0, 1.0),
                Arguments.of(backend, 32, 2, 2, 2.0, 3.5),
                Arguments.of(backend, 48, 1, 3, 4.0, 2.0)));
    }

    @ParameterizedTest(name = "{0} D={1} depth={2} heads={3} mlp={4} cfg={5}")
    @MethodSource("cases")
    void matchesTheScalarOracle(String backendName, int d, int depth, int heads, double mlp, double cfg) {
        DiTConfig config = DiTConfig.of(d, depth, heads, mlp, 5, 3);
        long seed = 1000L * d + 10L * depth + heads;
        Path file = dir.resolve("dit.safetensors");
        DiTCheckpoints.random(config, seed, file);
        Map<String, float[]> weights = DiTCheckpoints.randomWeights(config, seed);
        ScalarDiT oracle = new ScalarDiT(config, weights);
        try (Backend backend = Backends.create(backendName);
             DiT model = DiT.load(file, backend, cfg, DiT.DEFAULT_MAX_BATCH_ROWS)) {
            assertEquals(cfg == 1.0 ? 1 : 2, model.nfePerLatent());
            SplittableRandom rng = new SplittableRandom(seed);
            long expectedNfe = 0;
            for (int batch : new int[] {1, 3, 5}) {
                Inputs in = Inputs.random(rng, batch, config.imageFloats());
                float[][] out = new float[batch][config.imageFloats()];
                model.velocity(batch, in.x, in.t, in.cond, out);
                expectedNfe += (long) batch * model.nfePerLatent();
                for (int i = 0; i < batch; i++) {
                    double[] want = oracle.velocity(in.x[i], in.t[i], in.cond[i].groups(), cfg);
                    assertClose(want, out[i], "item " + i + " of " + batch + " (" + in.cond[i] + ", t=" + in.t[i] + ")");
                }
            }
            assertEquals(expectedNfe, model.nfe());
        }
    }

    /**
     * A batch larger than the chunk size is split; each item's result is bit-identical however it is
     * batched: alone, in chunks, or in one pass with the others. The cpu backend's math is bit-exact
     * whether the JIT has compiled it or not (VectorMath), so the same call twice gives the same bits.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void resultsDoNotDependOnBatchComposition(String backendName) {
        DiTConfig config = DiTConfig.of(32, 2, 2, 4.0, 5, 3);
        Map<String, float[]> weights = DiTCheckpoints.randomWeights(config, 7);
        SplittableRandom rng = new SplittableRandom(7);
        int n = 7;
        int dim = config.imageFloats();
        Inputs in = Inputs.random(rng, n, dim);
        try (Backend backend = Backends.create(backendName)) {
            for (double cfg : new double[] {1.0, 2.5}) {
                DiT whole = DiT.fromWeights(config, weights, backend, cfg, 64);
                DiT chunked = DiT.fromWeights(config, weights, backend, cfg, cfg == 1.0 ? 3 : 4);
                float[][] before = new float[n][dim];
                whole.velocity(n, in.x, in.t, in.cond, before);
                float[][] split = new float[n][dim];
                chunked.velocity(n, in.x, in.t, in.cond, split);
                float[][] alone = new float[n][dim];
                for (int i = 0; i < n; i++) {
                    float[][] one = {alone[i]};
                    whole.velocity(1, new float[][] {in.x[i]}, new double[] {in.t[i]}, new Condition[] {in.cond[i]}, one);
                }
                float[][] after = new float[n][dim];
                whole.velocity(n, in.x, in.t, in.cond, after);
                for (int i = 0; i < n; i++) {
                    assertArrayEquals(before[i], after[i], "item " + i + ": the same call twice gave different bits, cfg " + cfg);
                    assertArrayEquals(before[i], alone[i], "item " + i + " alone vs in a batch of " + n + ", cfg " + cfg);
                    assertArrayEquals(before[i], split[i], "item " + i + " in chunks vs whole, cfg " + cfg);
                }
                assertEquals(0, whole.nfe() % ((long) 3 * n * (cfg == 1.0 ? 1 : 2)));
                assertEquals(chunked.nfe() * 3, whole.nfe());
            }
        }
    }

    static Stream<String> backends() {
        return Stream.of("reference", "cpu");
    }

    @Test
    void theConditionChangesTheVelocity() {
        DiTConfig config = DiTConfig.of(32, 1, 2, 4.0, 5, 3);
        Map<String, float[]> weights = DiTCheckpoints.randomWeights(config, 3);
        float[] x = Inputs.random(new SplittableRandom(3), 1, config.imageFloats()).x[0];
        try (Backend backend = Backends.create("reference")) {
            DiT model = DiT.fromWeights(config, weights, backend);
            float[][] out = new float[2][config.imageFloats()];
            Condition a = new Condition("2 red circles", new int[][] {{2, 0, 0}});
            Condition b = new Condition("3 blue squares", new int[][] {{3, 1, 1}});
            model.velocity(2, new float[][] {x, x}, new double[] {0.5, 0.5}, new Condition[] {a, b}, out);
            double diff = 0;
            for (int i = 0; i < out[0].length; i++) diff = Math.max(diff, Math.abs(out[0][i] - out[1][i]));
            assertTrue(diff > 1e-3, "different prompts gave the same velocity (max diff " + diff + ")");
        }
    }

    static void assertClose(double[] want, float[] got, String what) {
        double scale = 0, err = 0;
        for (int i = 0; i < want.length; i++) {
            scale = Math.max(scale, Math.abs(want[i]));
            err = Math.max(err, Math.abs(want[i] - got[i]));
        }
        assertTrue(scale > 0.05, "oracle output is degenerate (max |u| = " + scale + ")");
        assertTrue(err <= TOLERANCE * scale, what + ": max error " + err + " > " + TOLERANCE + " * " + scale);
    }

    /** Random latents, times and conditions (0 to 3 groups; 0 is the null condition). */
    record Inputs(float[][] x, double[] t, Condition[] cond) {
        static Inputs random(SplittableRandom rng, int n, int dim) {
            float[][] x = new float[n][dim];
            double[] t = new double[n];
            Condition[] cond = new Condition[n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < dim; j++) x[i][j] = (float) rng.nextGaussian();
                t[i] = rng.nextDouble();
                int groups = i == 0 ? 3 : rng.nextInt(4);
                int[][] g = new int[groups][];
                StringBuilder text = new StringBuilder();
                for (int k = 0; k < groups; k++) {
                    g[k] = new int[] {1 + rng.nextInt(4), rng.nextInt(5), rng.nextInt(3)};
                    text.append(k == 0 ? "" : " and ").append(g[k][0]).append(" c").append(g[k][1]).append(" s").append(g[k][2]);
                }
                cond[i] = groups == 0 ? Condition.NONE : new Condition(text.toString(), g);
            }
            return new Inputs(x, t, cond);
        }
    }
}
