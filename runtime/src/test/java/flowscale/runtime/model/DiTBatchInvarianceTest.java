package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What searches sharing model calls rely on ({@code application.SearchBatch}): on the shipped checkpoint, on
 * {@code cpu}, a latent's output is the same bits alone (a batch of 1) and in any mixed batch: other prompts,
 * times and (for a shortcut model) step sizes beside it, any position, batches that cross the model's chunk of
 * {@link DiT#maxBatch()} latents. The cpu GEMM splits rows between workers and handles one- and two-row blocks
 * with its own kernel, all with the same FMA chain per element; this checks the whole forward pass end to end
 * with the machine's default worker count and 3, with and without guidance, on chunks of 16 rows (64 in use). A failure names the latent, the batch and the first
 * differing float.
 */
class DiTBatchInvarianceTest {
    static final Path SHIPPED = Path.of("..", "weights", "shapes-dit.safetensors");
    static final int N = 24;
    /** Rows per forward pass: small, so that batches here cross the chunk boundary as 64-row chunks do in use. */
    static final int CHUNK_ROWS = 16;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cpu", "cpu:3"})
    void aLatentsOutputDoesNotDependOnTheRestOfTheBatch(String backendName) {
        assertTrue(Files.isRegularFile(SHIPPED), "the shipped checkpoint " + SHIPPED.toAbsolutePath() + " is missing");
        try (Backend backend = Backends.create(backendName); DiT plain = DiT.load(SHIPPED, backend, 1.0, CHUNK_ROWS);
             DiT guided = plain.withGuidance(2.0)) {
            assertEquals(CHUNK_ROWS, plain.maxBatch(), "max batch: one chunk of rows");
            for (DiT model : List.of(plain, guided)) {
                String what = backendName + (model.nfePerLatent() == 2 ? ", cfg 2" : "");
                if (model.nfePerLatent() == 2) assertEquals(CHUNK_ROWS / 2, model.maxBatch(), "max batch: half a chunk under guidance");
                check(model, what);
            }
        }
    }

    private static void check(DiT model, String what) {
        int dim = model.dim();
        SplittableRandom rng = new SplittableRandom(21);
        DiTForwardTest.Inputs in = inputs(rng, model.config(), N);
        boolean shortcut = model.takesStepSize();
        double[] d = new double[N];
        for (int i = 0; i < N; i++) d[i] = shortcut && i % 3 == 1 ? in.t()[i] * rng.nextDouble() : 0.0;

        // Alone: a batch of one, with d = null (the plain velocity) where its step size is 0.
        float[][] alone = new float[N][dim];
        for (int i = 0; i < N; i++) {
            double[] di = d[i] == 0.0 ? null : new double[] {d[i]};
            model.velocity(1, new float[][] {in.x()[i]}, new double[] {in.t()[i]}, di, new Condition[] {in.cond()[i]},
                    new float[][] {alone[i]});
        }

        List<int[]> batches = new ArrayList<>();
        batches.add(range(0, N)); // one call over several chunks
        int[] reversed = new int[N];
        for (int i = 0; i < N; i++) reversed[i] = N - 1 - i;
        batches.add(reversed);
        int[] shuffled = range(0, N);
        for (int i = N - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int s = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = s;
        }
        for (int size : new int[] {2, 3, 5, 17}) {
            for (int from = 0; from + size <= N; from += size) batches.add(Arrays.copyOfRange(shuffled, from, from + size));
        }
        for (int[] batch : batches) {
            int n = batch.length;
            float[][] x = new float[n][];
            double[] t = new double[n];
            double[] steps = new double[n];
            Condition[] cond = new Condition[n];
            float[][] out = new float[n][dim];
            for (int k = 0; k < n; k++) {
                x[k] = in.x()[batch[k]];
                t[k] = in.t()[batch[k]];
                steps[k] = d[batch[k]];
                cond[k] = in.cond()[batch[k]];
            }
            model.velocity(n, x, t, shortcut ? steps : null, cond, out);
            for (int k = 0; k < n; k++) {
                int item = batch[k];
                for (int j = 0; j < dim; j++) {
                    if (Float.floatToRawIntBits(out[k][j]) != Float.floatToRawIntBits(alone[item][j])) {
                        fail(what + ": latent " + item + " (" + cond[k] + ", t " + t[k] + ", d " + steps[k] + ") at position " + k
                                + " of a batch of " + n + " differs from its batch of 1 at float " + j + " (channel "
                                + j / (dim / 3) + ", pixel " + j % (dim / 3) + "): " + out[k][j] + " vs " + alone[item][j]);
                    }
                }
            }
        }
        devicePathMatches(model, in, shortcut ? d : null, alone, what);
    }

    /**
     * The device path (latents and outputs in backend tensors, here rows of larger buffers) gives the host path's
     * floats bit for bit, over several chunks, and counts the same NFE.
     */
    private static void devicePathMatches(DiT model, DiTForwardTest.Inputs in, double[] d, float[][] want, String what) {
        Backend be = model.device().backend();
        assertSame(model.backend(), be);
        int dim = model.dim();
        float[] flat = new float[N * dim];
        for (int i = 0; i < N; i++) System.arraycopy(in.x()[i], 0, flat, i * dim, dim);
        Tensor x = be.allocate(N + 1, dim + 8).view(dim + 8 + 3, new long[] {N, dim}, new long[] {dim + 8, 1});
        be.upload(flat, 0, x);
        Tensor out = be.allocate(N, dim);
        long before = model.nfe();
        model.velocity(N, x, in.t(), d, in.cond(), out);
        assertEquals((long) N * model.nfePerLatent(), model.nfe() - before, what + ": NFE of the device path");
        float[] got = new float[N * dim];
        be.download(out, got, 0);
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < dim; j++) {
                if (Float.floatToRawIntBits(got[i * dim + j]) != Float.floatToRawIntBits(want[i][j])) {
                    fail(what + ": the device path differs from the host path at latent " + i + ", float " + j);
                }
            }
        }
    }

    /** Random latents and times, and conditions of 0 to maxGroups groups within the checkpoint's tables. */
    private static DiTForwardTest.Inputs inputs(SplittableRandom rng, DiTConfig c, int n) {
        float[][] x = new float[n][c.imageFloats()];
        double[] t = new double[n];
        Condition[] cond = new Condition[n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < x[i].length; j++) x[i][j] = (float) rng.nextGaussian();
            t[i] = i % 5 == 0 ? 1.0 : rng.nextDouble();
            int groups = rng.nextInt(c.maxGroups() + 1);
            int[][] g = new int[groups][];
            for (int k = 0; k < groups; k++) g[k] = new int[] {1 + rng.nextInt(c.maxCount()), rng.nextInt(c.numColours()), rng.nextInt(c.numShapes())};
            cond[i] = groups == 0 ? Condition.NONE : new Condition("groups " + Arrays.deepToString(g), g);
        }
        return new DiTForwardTest.Inputs(x, t, cond);
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) r[i] = from + i;
        return r;
    }
}
