package flowscale.kernels.cpu;

import flowscale.kernels.NoiseScheme;
import flowscale.kernels.NormalQuantile;
import flowscale.kernels.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The Vector API path once C2 has compiled it: thousands of fills (one candidate's 3072 normals each, at odd
 * starts too) compared with the scalar definition bit for bit, so a compiled gather, scatter or conversion that
 * differed from the interpreter's would show. The conformance suite runs the op only a few times.
 */
class QuantileNormalsJitTest {

    @Test
    void compiledFillsEqualTheScalarDefinition() {
        int n = 3072;
        float[] got = new float[n + 3];
        float[] expected = new float[n + 3];
        NormalJob.quantilePath = NormalJob.QuantilePath.VECTOR; // the backend fills scalar unless asked
        try (CpuBackend cpu = new CpuBackend(1)) {
            Tensor whole = cpu.allocate(n + 3);
            for (int i = 0; i < 3000; i++) {
                int skip = i % 4;
                Tensor view = whole.view(skip, new long[] {n + 3 - skip}, new long[] {1});
                cpu.normal(NoiseScheme.QUANTILE_V2, 0x5eedL + i, i, 2 << 28, i * 7, view);
                cpu.download(view, got, 0);
                NormalQuantile.fill(0x5eedL + i, i, 2 << 28, i * 7, 0, expected, 0, n + 3 - skip);
                int stream = i;
                assertArrayEquals(java.util.Arrays.copyOf(expected, n + 3 - skip), java.util.Arrays.copyOf(got, n + 3 - skip), () -> "fill " + stream);
            }
        } finally {
            NormalJob.quantilePath = NormalJob.QuantilePath.SCALAR;
        }
    }
}
