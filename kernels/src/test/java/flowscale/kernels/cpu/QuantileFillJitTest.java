package flowscale.kernels.cpu;

import flowscale.kernels.NoiseScheme;
import flowscale.kernels.NormalQuantile;
import flowscale.kernels.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The cpu op's {@code quantile-v2} fill once C2 has compiled it: its Philox rounds are array loops that C2 turns into
 * vector code by itself ({@link flowscale.kernels.Philox#blocks}), so a miscompiled vector loop would give other words
 * than the interpreter. Thousands of fills (one candidate's 3,072 normals each, at odd starts too) are compared with
 * the element-wise definition, which runs one scalar {@code Philox.block} per element. The conformance suite runs the
 * op only a few times.
 */
class QuantileFillJitTest {

    @Test
    void compiledFillsEqualTheElementwiseDefinition() {
        int n = 3072;
        float[] got = new float[n + 3];
        try (CpuBackend cpu = new CpuBackend(1)) {
            Tensor whole = cpu.allocate(n + 3);
            for (int i = 0; i < 3000; i++) {
                int skip = i % 4;
                int len = n + 3 - skip;
                Tensor view = whole.view(skip, new long[] {len}, new long[] {1});
                long key = 0x5eedL + i;
                cpu.normal(NoiseScheme.QUANTILE_V2, key, i, 2 << 28, i * 7, view);
                cpu.download(view, got, 0);
                // every fill is checked at its first and last 8 elements and at a stride between, the last fills in full
                int step = i >= 2990 ? 1 : 7;
                for (int e = 0; e < 8; e++) check(key, i, e, got);
                for (int e = 8; e < len - 8; e += step) check(key, i, e, got);
                for (int e = len - 8; e < len; e++) check(key, i, e, got);
            }
        }
    }

    private static void check(long key, int fill, int e, float[] got) {
        float expected = NormalQuantile.normal(key, fill, 2 << 28, fill * 7, e);
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(got[e]), () -> "fill " + fill + ", element " + e);
    }
}
