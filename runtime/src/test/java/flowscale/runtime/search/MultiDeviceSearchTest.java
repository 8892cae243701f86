package flowscale.runtime.search;

import flowscale.kernels.opencl.ClDevices;
import flowscale.runtime.data.PromptParser;
import flowscale.runtime.data.Vocabulary;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DeviceSpec;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.model.DiTOpenClTest;
import flowscale.runtime.model.MultiDeviceModel;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Rewards;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whole searches on a tiny random DiT spread over several devices, against the same search on one device. */
class MultiDeviceSearchTest {
    static final DiTConfig CONFIG = new DiTConfig(32, 3, 4, 16, 1, 2, 2.0, 256, Vocabulary.MAX_GROUPS,
            Vocabulary.MAX_COUNT, Vocabulary.COLOURS, Vocabulary.SHAPES, Map.of());
    static final Map<String, float[]> WEIGHTS = DiTCheckpoints.randomWeights(CONFIG, 17);
    static final Condition PROMPT = PromptParser.parse("2 red circles and 1 blue square").toCondition();

    private static SearchResult search(VelocityModel model, String method, long budget) {
        SearchMethod m = SearchMethods.create(method, SearchConfig.parse(List.of()));
        Sampler sampler = Sampler.named("vp-sde").withSteps(4);
        model.resetNfe();
        return m.run(new SearchProblem(model, sampler, Rewards.named("counting"), PROMPT, budget, 9, 0, SearchListener.NONE));
    }

    private static MultiDeviceModel open(String devices, double cfg) {
        return MultiDeviceModel.fromWeights(CONFIG, WEIGHTS, DeviceSpec.parseList(devices), cfg, 64);
    }

    /** Everything the search decided and returned, for exact comparison. */
    static String fingerprint(SearchResult r) {
        StringBuilder s = new StringBuilder();
        s.append("nfe ").append(r.trace().nfe()).append(" rewardCalls ").append(r.trace().rewardCalls())
                .append(" best ").append(r.bestReward()).append(' ').append(Arrays.hashCode(r.best())).append('\n');
        for (LevelRecord l : r.trace().levels()) {
            s.append(l.level()).append(' ').append(l.chain()).append(' ').append(Arrays.toString(l.rewards()))
                    .append(' ').append(l.accepted()).append(' ').append(l.reason()).append(' ').append(l.nfe()).append('\n');
        }
        for (Candidate c : r.finalCandidates()) s.append(c.reward()).append(' ').append(Arrays.hashCode(c.x0())).append('\n');
        return s.toString();
    }

    /**
     * RBF over two single-thread cpu devices returns the bits of RBF on one cpu device with the default
     * thread count: the same best sample,
     * the same rewards and decisions at every level, the same NFE. A round counts only if two one-device
     * searches around it agree (the cpu backend's last bits can move while the JIT warms up).
     */
    @Test
    void rbfOnTwoCpuDevicesIsBitIdenticalToOneDevice() {
        for (double cfg : new double[] {1.0, 2.0}) {
            try (MultiDeviceModel one = open("cpu", cfg); MultiDeviceModel two = open("cpu:1,cpu:1", cfg)) {
                boolean compared = false;
                for (int round = 0; round < 10 && !compared; round++) {
                    SearchResult before = search(one, "rbf", 160);
                    SearchResult split = search(two, "rbf", 160);
                    SearchResult after = search(one, "rbf", 160);
                    if (!fingerprint(before).equals(fingerprint(after))) continue;
                    assertTrue(before.found(), "no finite candidate");
                    assertEquals(fingerprint(before), fingerprint(split), "cfg " + cfg);
                    assertArrayEquals(before.best(), split.best());
                    assertEquals(before.trace().nfe(), two.nfe());
                    assertTrue(two.nfe() > 0 && two.nfe() <= 160);
                    compared = true;
                }
                assertTrue(compared, "one cpu device never gave the same search twice in a row");
            }
        }
    }

    /**
     * Best-of-N (no selection feeds back into the trajectories) with its particles split over cpu and opencl
     * agrees with all of them on cpu, particle by particle. The noise is drawn on the host from Philox
     * coordinates that do not involve the device, so the only difference left is the kernels' rounding:
     * compared relative to the largest |x0| with {@link #SAMPLE_TOLERANCE}.
     */
    @Test
    void bonOnCpuAndOpenClAgreesWithCpu() {
        assertTrue(ClDevices.available(), "no OpenCL device found; these tests need one (Debian: apt-get install pocl-opencl-icd ocl-icd-opencl-dev)");
        try (MultiDeviceModel cpu = open("cpu", 2.0); MultiDeviceModel mixed = open("cpu,opencl", 2.0)) {
            SearchResult want = search(cpu, "bon", 64);
            SearchResult got = search(mixed, "bon", 64);
            assertEquals(want.trace().nfe(), got.trace().nfe());
            assertEquals(64, mixed.nfe());
            List<Candidate> a = want.finalCandidates(), b = got.finalCandidates();
            assertEquals(8, a.size());
            assertEquals(a.size(), b.size());
            double scale = 0, err = 0, apart = Double.POSITIVE_INFINITY;
            for (int i = 0; i < a.size(); i++) {
                float[] x = a.get(i).x0(), y = b.get(i).x0();
                double between = 0;
                for (int j = 0; j < x.length; j++) {
                    scale = Math.max(scale, Math.abs(x[j]));
                    err = Math.max(err, Math.abs(x[j] - y[j]));
                    if (i > 0) between = Math.max(between, Math.abs(x[j] - a.get(i - 1).x0()[j]));
                }
                if (i > 0) apart = Math.min(apart, between);
            }
            System.out.printf("bon cpu vs cpu+opencl: max |dx0| = %.3g, max |x0| = %.3g, relative %.3g; particles apart >= %.3g%n",
                    err, scale, err / scale, apart);
            assertTrue(apart > 0.1 * scale, "the particles are not distinct, the comparison would prove nothing");
            assertTrue(err <= SAMPLE_TOLERANCE * scale, "max |dx0| " + err + " > " + SAMPLE_TOLERANCE + " * " + scale);
        }
    }

    /**
     * Relative to max |x0|: {@link DiTOpenClTest#TOLERANCE} for each of the M = 4 velocities a particle's
     * state takes in (each enters with a step size of at most 1 and |u| is of the size of |x0| here), plus one
     * more for the velocity in the final Tweedie estimate: (M + 1) * 1e-4. Measured: 2.8e-7.
     */
    static final double SAMPLE_TOLERANCE = 5 * DiTOpenClTest.TOLERANCE;
}
