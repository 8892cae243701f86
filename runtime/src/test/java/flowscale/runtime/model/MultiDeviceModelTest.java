package flowscale.runtime.model;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Splitting, gathering, NFE, failures and closing of {@link MultiDeviceModel}. */
class MultiDeviceModelTest {
    static final DiTConfig CONFIG = DiTConfig.of(16, 1, 2, 2.0, 5, 3);
    static final Map<String, float[]> WEIGHTS = DiTCheckpoints.randomWeights(CONFIG, 11);

    private static List<DeviceSpec> devices(String list) {
        return DeviceSpec.parseList(list);
    }

    @Test
    void splitGivesContiguousRangesInProportionToTheWeights() {
        try (MultiDeviceModel equal = MultiDeviceModel.fromWeights(CONFIG, WEIGHTS, devices("reference,reference,reference"), 1.0, 64);
             MultiDeviceModel weighted = MultiDeviceModel.fromWeights(CONFIG, WEIGHTS, devices("reference@3,reference@1"), 1.0, 64)) {
            assertArrayEquals(new int[] {0, 0, 0, 0}, equal.split(0));
            assertArrayEquals(new int[] {0, 0, 1, 1}, equal.split(1));
            assertArrayEquals(new int[] {0, 2, 4, 6}, equal.split(6));
            assertArrayEquals(new int[] {0, 2, 5, 7}, equal.split(7));
            assertArrayEquals(new int[] {0, 48, 64}, weighted.split(64));
            assertArrayEquals(new int[] {0, 8, 10}, weighted.split(10));
            for (int n = 0; n <= 100; n++) {
                int[] b = equal.split(n);
                assertEquals(0, b[0]);
                assertEquals(n, b[3]);
                for (int d = 0; d < 3; d++) {
                    int count = b[d + 1] - b[d];
                    assertTrue(Math.abs(count - n / 3.0) <= 1.0, "n " + n + ": " + Arrays.toString(b));
                }
                int[] w = weighted.split(n);
                assertTrue(w[0] == 0 && w[0] <= w[1] && w[1] <= w[2] && w[2] == n, Arrays.toString(w));
                assertTrue(Math.abs(w[1] - 0.75 * n) <= 0.5, "n " + n + ": " + Arrays.toString(w));
            }
        }
    }

    /**
     * The devices compute exactly what one device computes, in particle order, and the NFE are counted once.
     * Like DiTForwardTest's batch-composition test, a round counts only if the one-device result is the same
     * before and after it: the cpu backend's vector code may change its last bits while the JIT warms up.
     */
    @Test
    void twoCpuDevicesGiveTheBitsOfOneDevice() {
        int n = 9, dim = CONFIG.imageFloats();
        DiTForwardTest.Inputs in = DiTForwardTest.Inputs.random(new SplittableRandom(5), n, dim);
        for (double cfg : new double[] {1.0, 2.5}) {
            try (MultiDeviceModel one = MultiDeviceModel.fromWeights(CONFIG, WEIGHTS, devices("cpu:1"), cfg, 64);
                 MultiDeviceModel two = MultiDeviceModel.fromWeights(CONFIG, WEIGHTS, devices("cpu:1,cpu:1@2"), cfg, 4)) {
                boolean compared = false;
                int rounds = 0;
                for (; rounds < 60 && !compared; rounds++) {
                    float[][] before = new float[n][dim], split = new float[n][dim], after = new float[n][dim];
                    one.velocity(n, in.x(), in.t(), in.cond(), before);
                    two.velocity(n, in.x(), in.t(), in.cond(), split);
                    one.velocity(n, in.x(), in.t(), in.cond(), after);
                    if (!Arrays.deepEquals(before, after)) continue;
                    for (int i = 0; i < n; i++) assertArrayEquals(before[i], split[i], "item " + i + ", cfg " + cfg);
                    compared = true;
                }
                assertTrue(compared, "one cpu device never gave the same bits twice in a row");
                assertEquals((long) rounds * n * (cfg == 1.0 ? 1 : 2), two.nfe());
                assertEquals(2 * two.nfe(), one.nfe());
                assertEquals(3, two.split(n)[1]);
            }
        }
    }

    @Test
    void aFailingDeviceGivesOneErrorNamingItAndCountsNoNfe() {
        int n = 4, dim = CONFIG.imageFloats();
        DiTForwardTest.Inputs in = DiTForwardTest.Inputs.random(new SplittableRandom(6), n, dim);
        Condition[] cond = in.cond().clone();
        cond[3] = new Condition("99 purple dragons", new int[][] {{1, 99, 0}}); // colour id past the table
        try (MultiDeviceModel m = MultiDeviceModel.fromWeights(CONFIG, WEIGHTS, devices("reference,reference"), 1.0, 64)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.velocity(n, in.x(), in.t(), cond, new float[n][dim]));
            assertTrue(e.getMessage().startsWith("device 2 (reference) failed on particles [2, 4): "), e.getMessage());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            assertEquals(0, m.nfe());
            m.velocity(n, in.x(), in.t(), in.cond(), new float[n][dim]); // still usable
            assertEquals(n, m.nfe());
        }
        try (MultiDeviceModel m = MultiDeviceModel.fromWeights(CONFIG, WEIGHTS, devices("cpu:1,cpu:1"), 1.0, 64)) {
            m.model(0).backend().close();
            m.model(1).backend().close();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> m.velocity(n, in.x(), in.t(), in.cond(), new float[n][dim]));
            assertTrue(e.getMessage().startsWith("2 devices failed: device 1 (cpu:1) failed on particles [0, 2): "), e.getMessage());
            assertTrue(e.getMessage().contains("; device 2 (cpu:1) failed on particles [2, 4): "), e.getMessage());
            assertEquals(1, e.getSuppressed().length);
        }
    }

    @Test
    void badDeviceSpecsFailNamingTheDevice() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MultiDeviceModel.fromWeights(CONFIG, WEIGHTS, devices("reference,quantum"), 1.0, 64));
        assertTrue(e.getMessage().startsWith("device 2 of 2: unknown backend 'quantum'; available: "), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MultiDeviceModel.fromWeights(CONFIG, WEIGHTS, List.of(), 1.0, 64));
    }

    @Test
    void closeClosesEveryBackendAndStopsTheModel() {
        int dim = CONFIG.imageFloats();
        DiTForwardTest.Inputs in = DiTForwardTest.Inputs.random(new SplittableRandom(8), 2, dim);
        MultiDeviceModel m = MultiDeviceModel.fromWeights(CONFIG, WEIGHTS, devices("cpu:1,cpu:1"), 1.0, 64);
        m.velocity(2, in.x(), in.t(), in.cond(), new float[2][dim]);
        m.close();
        assertThrows(IllegalStateException.class, () -> m.velocity(2, in.x(), in.t(), in.cond(), new float[2][dim]));
        for (int d = 0; d < 2; d++) {
            DiT alone = m.model(d);
            assertThrows(IllegalStateException.class,
                    () -> alone.velocity(1, in.x(), in.t(), in.cond(), new float[1][dim]), "device " + d + " still open");
        }
        m.close(); // idempotent
    }
}
