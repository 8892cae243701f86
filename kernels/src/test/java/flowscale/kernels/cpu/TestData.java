package flowscale.kernels.cpu;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/** Random inputs, strided views and tolerant comparisons shared by the cpu backend tests. */
final class TestData {
    private TestData() {}

    static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rnd.nextFloat() * 2f - 1f;
        return a;
    }

    /**
     * A {@code rows x cols} view with row stride {@code cols + pad} starting {@code lead} floats into a
     * larger buffer filled with {@code data} (row-major) and NaN everywhere else, so a kernel that reads
     * outside its view poisons its result.
     */
    static Tensor strided(Backend be, float[] data, int rows, int cols, int pad, int lead) {
        int stride = cols + pad;
        float[] buf = new float[lead + rows * stride + 3];
        java.util.Arrays.fill(buf, Float.NaN);
        for (int r = 0; r < rows; r++) System.arraycopy(data, r * cols, buf, lead + r * stride, cols);
        Tensor all = be.upload(buf, buf.length);
        return all.view(lead, new long[] {rows, cols}, new long[] {stride, 1});
    }

    static float[] download(Backend be, Tensor t) {
        float[] out = new float[Math.toIntExact(t.size())];
        be.download(t, out, 0);
        return out;
    }

    static void assertClose(double[] expected, float[] actual, double atol, double rtol, String what) {
        if (expected.length != actual.length) fail(what + ": length " + actual.length + " != " + expected.length);
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (!(Math.abs(e - a) <= atol + rtol * Math.abs(e))) {
                fail(what + ": element " + i + " expected " + e + " got " + a);
            }
        }
    }
}
