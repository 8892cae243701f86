package flowscale.runtime.search;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.opencl.ClDevices;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.HostPath;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Rewards;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A search whose particles live on the model's device (the DiT's device path: steps, estimates and noise as backend
 * ops) against the same search with its particles on the host (the model seen through a view without a device path).
 * On {@code cpu} the two are the same bit for bit; on {@code opencl} the device's {@code combine} rounds in float, so
 * they agree within its conformance tolerance, and on this small model every decision is the same.
 */
class DevicePathSearchTest {
    private static final List<String> SAMPLERS = List.of("vp-sde", "ode");

    private static SearchResult search(VelocityModel model, String method, String sampler, long budget) {
        List<String> settings = switch (method) {
            case "rbf-paper" -> List.of("variant=paper");
            case "code-variant" -> List.of("variant=code", "k=5");
            case "code", "svdd" -> List.of("k=5");
            case "sop" -> List.of("k=2"); // fixed plans that fit the budget with guidance
            default -> List.of();
        };
        SearchMethod m = SearchMethods.create(method.replace("-paper", "").replace("-variant", ""), SearchConfig.parse(settings));
        return m.run(new SearchProblem(model, Sampler.named(sampler).withSteps(4), Rewards.named("counting"),
                MultiDeviceSearchTest.PROMPT, budget, 9, 0, SearchListener.NONE));
    }

    private static DiT dit(Backend backend, double cfg) {
        return DiT.fromWeights(MultiDeviceSearchTest.CONFIG, MultiDeviceSearchTest.WEIGHTS, backend, cfg, 64);
    }

    /**
     * Every method (RBF in both variants, Best-of-N, plain sampling, Search over Paths, SMC, CoDe in both variants and
     * SVDD), on VP-SDE (path conversion, noise) and the ODE, with and without guidance:
     * the device path returns the host path's bits. A round counts only when two host searches around it agree (the
     * cpu backend's last bits can move while the JIT warms up, see MultiDeviceSearchTest).
     */
    @Test
    void onCpuTheDevicePathIsBitIdenticalToTheHostPath() {
        try (Backend cpu = Backends.create("cpu")) {
            for (double cfg : new double[] {1.0, 2.0}) {
                try (DiT model = dit(cpu, cfg)) {
                    assertNotNull(model.device());
                    VelocityModel host = new HostPath(model);
                    assertNull(host.device());
                    for (String method : List.of("rbf", "rbf-paper", "bon", "none", "sop", "smc", "code", "code-variant", "svdd")) {
                        for (String sampler : SAMPLERS) {
                            String what = method + " " + sampler + " cfg " + cfg;
                            boolean compared = false;
                            for (int round = 0; round < 10 && !compared; round++) {
                                String before = MultiDeviceSearchTest.fingerprint(search(host, method, sampler, 200));
                                String onDevice = MultiDeviceSearchTest.fingerprint(search(model, method, sampler, 200));
                                String after = MultiDeviceSearchTest.fingerprint(search(host, method, sampler, 200));
                                if (!before.equals(after)) continue;
                                assertEquals(before, onDevice, what);
                                compared = true;
                            }
                            assertTrue(compared, what + ": the host path never gave the same search twice in a row");
                        }
                    }
                }
            }
        }
    }

    /**
     * A few-step (shortcut) model's one-step estimates on the device path: schnell (the output at the step drives the
     * step and gives the estimate) and faithful (a second output at d = t in the same call of 2n latents) give the host
     * path's bits too.
     */
    @Test
    void oneStepEstimatesOnTheDevicePathAreBitIdenticalOnCpu() {
        try (Backend cpu = Backends.create("cpu");
             DiT model = DiT.fromWeights(OneStepEstimateTest.CONFIG, DiTCheckpoints.randomWeights(OneStepEstimateTest.CONFIG, 3), cpu)) {
            VelocityModel host = new HostPath(model);
            for (Estimate e : List.of(Estimate.SCHNELL, Estimate.FAITHFUL)) {
                for (String method : List.of("rbf", "bon")) {
                    String what = method + " " + e;
                    boolean compared = false;
                    for (int round = 0; round < 10 && !compared; round++) {
                        String before = MultiDeviceSearchTest.fingerprint(oneStep(host, method, e));
                        String onDevice = MultiDeviceSearchTest.fingerprint(oneStep(model, method, e));
                        String after = MultiDeviceSearchTest.fingerprint(oneStep(host, method, e));
                        if (!before.equals(after)) continue;
                        assertEquals(before, onDevice, what);
                        compared = true;
                    }
                    assertTrue(compared, what + ": the host path never gave the same search twice in a row");
                }
            }
        }
    }

    private static SearchResult oneStep(VelocityModel model, String method, Estimate e) {
        SearchProblem p = new SearchProblem(model, Sampler.named("vp-sde").withSteps(4).withEstimate(e), OneStepEstimateTest.MEAN, 200, 7);
        return SearchMethods.create(method, SearchConfig.parse(List.of())).run(p);
    }

    /**
     * On opencl (PoCL) every method on the device path makes the host path's decisions (every level's rewards,
     * acceptances and NFE) and returns its image within a bound that the float rounding of {@code combine} explains; and
     * per RBF candidate it moves the estimate the reward reads down and almost nothing up (no latent, no velocity, no noise under
     * {@code quantile-v2}, which the device generates itself).
     */
    @Test
    void onOpenClTheDevicePathAgreesWithTheHostPathAndMovesOnlyEstimates() {
        assertTrue(ClDevices.available(), "no OpenCL device found; this test needs one (Debian: apt-get install pocl-opencl-icd)");
        try (Backend cl = Backends.create("opencl"); DiT model = dit(cl, 1.0)) {
            for (String sampler : SAMPLERS) {
                SearchResult host = search(new HostPath(model), "rbf", sampler, 160);
                cl.transfers().reset();
                SearchResult device = model.device() == null ? null : search(model, "rbf", sampler, 160);
                assertNotNull(device);
                assertEquals(decisions(host), decisions(device), sampler);
                float worst = 0;
                for (int i = 0; i < host.best().length; i++) worst = Math.max(worst, Math.abs(host.best()[i] - device.best()[i]));
                // Measured: 7.2e-7 on vp-sde (a few float ulps of values near 1, from the float combine of the
                // conversion and the step), 0 on the ODE, at most 9.5e-7 over the other methods below; 1e-5 is 10x that
                // and far below a visible change.
                assertTrue(worst <= 1e-5f, sampler + ": best images differ by " + worst);
                long perNfe = cl.transfers().downloadedBytes() / device.trace().nfe();
                assertEquals((long) model.dim() * Float.BYTES, perNfe, sampler + ": downloaded bytes per NFE (one estimate)");
            }
            for (String method : List.of("bon", "sop", "smc", "code", "svdd")) {
                SearchResult host = search(new HostPath(model), method, "vp-sde", 200);
                SearchResult device = search(model, method, "vp-sde", 200);
                assertEquals(decisions(host), decisions(device), method);
                float worst = 0;
                for (int i = 0; i < host.best().length; i++) worst = Math.max(worst, Math.abs(host.best()[i] - device.best()[i]));
                assertTrue(worst <= 1e-5f, method + ": best images differ by " + worst);
            }
            SearchProblem quantile = new SearchProblem(model, Sampler.named("vp-sde").withSteps(4), Rewards.named("counting"),
                    MultiDeviceSearchTest.PROMPT, 160, 9, 0, SearchListener.NONE, flowscale.kernels.NoiseScheme.QUANTILE_V2);
            cl.transfers().reset();
            SearchResult r = SearchMethods.create("rbf", SearchConfig.parse(List.of())).run(quantile);
            // Per NFE only the timestep embedding's angles go up (half the frequency embedding, 128 floats here), and
            // the condition once per search: far below one latent (3,072 floats).
            double up = cl.transfers().uploadedBytes() / (double) r.trace().nfe();
            assertTrue(up < 0.1 * model.dim() * Float.BYTES, "uploaded " + up + " B per NFE");
        }
    }

    /** The trace's decisions without the returned floats. */
    private static String decisions(SearchResult r) {
        StringBuilder s = new StringBuilder("nfe " + r.trace().nfe() + " best " + r.bestReward() + "\n");
        for (LevelRecord l : r.trace().levels()) {
            s.append(l.level()).append(' ').append(l.chain()).append(' ').append(java.util.Arrays.toString(l.rewards()))
                    .append(' ').append(l.accepted()).append(' ').append(l.reason()).append(' ').append(l.nfe()).append('\n');
        }
        return s.toString();
    }
}
