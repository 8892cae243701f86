package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.Tensor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** A model without a device path still answers the tensor call: through the host, the same floats and NFE. */
class HostFallbackDevicePathTest {
    /** out = x * (1 + d) - t, on the host only. */
    static final class HostOnly implements VelocityModel {
        long nfe;
        @Override public int dim() { return 5; }
        @Override public int[] shape() { return new int[] {5}; }
        @Override public boolean takesStepSize() { return true; }
        @Override public int nfePerLatent() { return 1; }
        @Override public long nfe() { return nfe; }
        @Override public void resetNfe() { nfe = 0; }
        @Override public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
            velocity(n, x, t, null, cond, out);
        }
        @Override public void velocity(int n, float[][] x, double[] t, double[] d, Condition[] cond, float[][] out) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 5; j++) out[i][j] = (float) (x[i][j] * (1 + (d == null ? 0 : d[i])) - t[i]);
            }
            nfe += n;
        }
    }

    @Test
    void theTensorCallGoesThroughTheHostCall() {
        HostOnly model = new HostOnly();
        assertNull(model.device());
        float[] flat = {1, 2, 3, 4, 5, -1, -2, -3, -4, -5, 0.5f, 0.25f, 0, 7, 9};
        double[] t = {0.5, 0.25, 1.0}, d = {0.0, 0.5, 1.0};
        try (Backend backend = Backends.create("reference")) {
            Tensor x = backend.upload(flat, 3, 5), out = backend.allocate(3, 5);
            model.velocity(3, x, t, d, new Condition[3], out);
            float[] got = new float[15];
            backend.download(out, got, 0);
            float[][] hostX = new float[3][5], want = new float[3][5];
            for (int i = 0; i < 3; i++) System.arraycopy(flat, 5 * i, hostX[i], 0, 5);
            new HostOnly().velocity(3, hostX, t, d, new Condition[3], want);
            for (int i = 0; i < 3; i++) assertArrayEquals(want[i], java.util.Arrays.copyOfRange(got, 5 * i, 5 * i + 5), "row " + i);
            assertEquals(3, model.nfe());
        }
    }
}
