package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.conformance.Tolerances;
import flowscale.kernels.opencl.ClDevices;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DiT forward pass on the opencl backend (PoCL in tests) against the cpu backend and against the scalar
 * double-precision oracle, on a small random checkpoint, a batch of several items, with and without guidance.
 */
public class DiTOpenClTest {
    /**
     * {@code max |u_opencl - u_cpu| <= 1e-4 * max |u_cpu|}. Both backends pass the conformance suite, in which
     * the loosest bound of any op on the forward path is {@link Tolerances#TIMESTEP_EMBEDDING} (1e-4; attention
     * 5e-5, GEMM 2e-5, norms 1e-5): that is the largest relative disagreement the suite lets one op show. The
     * forward pass does not amplify it (its LayerNorms rescale every block's input, and the error of the whole
     * pass measured against the oracle, 7.6e-7 for cpu in DiTForwardTest, is of the size of one op's error).
     * Guidance forms {@code (1-w) u_null + w u_cond}, which at w = 3 can scale an error by 2w - 1 = 5 relative to
     * |u|; the measured differences (3.7e-7 unguided, 8.6e-7 at w = 3) stay two orders of magnitude below the
     * bound, and a real bug (a wrong head split, chunk order or constant) moves the output by 1e-2 or more.
     */
    public static final double TOLERANCE = Tolerances.TIMESTEP_EMBEDDING;

    @BeforeAll
    static void needsOpenCl() {
        assertTrue(ClDevices.available(), "no OpenCL device found; these tests need one (Debian: apt-get install pocl-opencl-icd ocl-icd-opencl-dev)");
    }

    @Test
    void forwardOnOpenClMatchesCpu() {
        DiTConfig config = DiTConfig.of(32, 2, 2, 4.0, 5, 3);
        Map<String, float[]> weights = DiTCheckpoints.randomWeights(config, 21);
        int n = 6, dim = config.imageFloats();
        DiTForwardTest.Inputs in = DiTForwardTest.Inputs.random(new SplittableRandom(21), n, dim);
        ScalarDiT oracle = new ScalarDiT(config, weights);
        for (double cfg : new double[] {1.0, 3.0}) {
            float[][] cpu = new float[n][dim], cl = new float[n][dim];
            try (Backend b = Backends.create("cpu"); DiT m = DiT.fromWeights(config, weights, b, cfg, 64)) {
                m.velocity(n, in.x(), in.t(), in.cond(), cpu);
            }
            try (Backend b = Backends.create("opencl"); DiT m = DiT.fromWeights(config, weights, b, cfg, 4)) {
                m.velocity(n, in.x(), in.t(), in.cond(), cl);
                assertEquals((long) n * m.nfePerLatent(), m.nfe());
            }
            double scale = 0, err = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < dim; j++) {
                    scale = Math.max(scale, Math.abs(cpu[i][j]));
                    err = Math.max(err, Math.abs(cpu[i][j] - cl[i][j]));
                }
            }
            System.out.printf("cfg %.1f: max |cpu - opencl| = %.3g, max |u| = %.3g, relative %.3g%n", cfg, err, scale, err / scale);
            assertTrue(scale > 0.05, "degenerate output, max |u| = " + scale);
            assertTrue(err <= TOLERANCE * scale, "cfg " + cfg + ": max |cpu - opencl| " + err + " > " + TOLERANCE + " * " + scale);
            for (int i = 0; i < n; i++) {
                double[] want = oracle.velocity(in.x()[i], in.t()[i], in.cond()[i].groups(), cfg);
                double itemScale = 0, itemErr = 0;
                for (int j = 0; j < dim; j++) {
                    itemScale = Math.max(itemScale, Math.abs(want[j]));
                    itemErr = Math.max(itemErr, Math.abs(want[j] - cl[i][j]));
                }
                assertTrue(itemErr <= DiTForwardTest.TOLERANCE * itemScale,
                        "item " + i + ", cfg " + cfg + ": opencl vs oracle " + itemErr + " > " + DiTForwardTest.TOLERANCE + " * " + itemScale);
            }
        }
    }
}
