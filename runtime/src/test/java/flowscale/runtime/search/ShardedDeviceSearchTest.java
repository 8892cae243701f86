package flowscale.runtime.search;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.NoiseScheme;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.DeviceShards;
import flowscale.runtime.model.DeviceSpec;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.HostPath;
import flowscale.runtime.model.MultiDeviceModel;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Rewards;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A search on a model spread over several devices ({@code --devices}) keeps each device's share of its particles there
 * ({@link Particles.Sharded}): every device steps, estimates and draws the noise of its own rows, and only the estimates
 * the rewards read, and the rows that move between devices (a candidate taken by a chain another device holds), cross
 * to the host. On identical cpu devices every method returns the bits of the same search on one device.
 */
class ShardedDeviceSearchTest {
    private static final List<String> METHODS = List.of("rbf", "rbf-paper", "rbf-speculate", "bon", "none", "sop", "smc", "code",
            "code-variant", "svdd");

    private static SearchResult search(VelocityModel model, String method, String sampler, long budget, NoiseScheme scheme) {
        List<String> settings = switch (method) {
            case "rbf-paper" -> List.of("variant=paper");
            case "rbf-speculate" -> List.of("speculate=8");
            case "code-variant" -> List.of("variant=code", "k=5");
            case "code", "svdd" -> List.of("k=5");
            case "sop" -> List.of("k=2");
            default -> List.of();
        };
        SearchMethod m = SearchMethods.create(method.replace("-paper", "").replace("-variant", "").replace("-speculate", ""),
                SearchConfig.parse(settings));
        model.resetNfe();
        return m.run(new SearchProblem(model, Sampler.named(sampler).withSteps(4), Rewards.named("counting"),
                MultiDeviceSearchTest.PROMPT, budget, 9, 0, SearchListener.NONE, scheme));
    }

    private static MultiDeviceModel open(String devices, double cfg) {
        return MultiDeviceModel.fromWeights(MultiDeviceSearchTest.CONFIG, MultiDeviceSearchTest.WEIGHTS, DeviceSpec.parseList(devices), cfg, 64);
    }

    /**
     * Every method on VP-SDE and the ODE, with and without guidance, over two and three single-thread cpu devices: the
     * bits of one cpu device's device path. A round counts only if two one-device searches around it agree (the cpu
     * backend's last bits can move while the JIT warms up, see MultiDeviceSearchTest).
     */
    @Test
    void onCpuDevicesEveryMethodGivesTheBitsOfOneDevice() {
        try (Backend cpu = Backends.create("cpu")) {
            for (double cfg : new double[] {1.0, 2.0}) {
                try (DiT one = DiT.fromWeights(MultiDeviceSearchTest.CONFIG, MultiDeviceSearchTest.WEIGHTS, cpu, cfg, 64);
                     MultiDeviceModel two = open("cpu:1,cpu:1", cfg); MultiDeviceModel three = open("cpu:1,cpu:1,cpu:1", cfg)) {
                    assertNotNull(two.shards());
                    assertNull(two.device(), "a spread model has no single device path");
                    for (String method : METHODS) {
                        for (String sampler : List.of("vp-sde", "ode")) {
                            String what = method + " " + sampler + " cfg " + cfg;
                            boolean compared = false;
                            for (int round = 0; round < 10 && !compared; round++) {
                                String before = MultiDeviceSearchTest.fingerprint(search(one, method, sampler, 200, NoiseScheme.DEFAULT));
                                String onTwo = MultiDeviceSearchTest.fingerprint(search(two, method, sampler, 200, NoiseScheme.DEFAULT));
                                String onThree = MultiDeviceSearchTest.fingerprint(search(three, method, sampler, 200, NoiseScheme.DEFAULT));
                                String after = MultiDeviceSearchTest.fingerprint(search(one, method, sampler, 200, NoiseScheme.DEFAULT));
                                if (!before.equals(after)) continue;
                                assertEquals(before, onTwo, what + ", two devices");
                                assertEquals(before, onThree, what + ", three devices");
                                compared = true;
                            }
                            assertTrue(compared, what + ": one device never gave the same search twice in a row");
                            // model evaluations (NFE, plus speculation's unused ones): the last searches on one and on two devices
                            assertEquals(one.nfe(), two.nfe(), what + ": model evaluations counted");
                        }
                    }
                }
            }
        }
    }

    /**
     * RBF over two devices: what crosses between host and devices is the estimate each reward reads (one latent down per
     * NFE), and the latent and output of any row that changes device (none for RBF); no velocity comes down and no noise
     * or latent goes up otherwise. Against the same spread model seen without its shards (the host path), which
     * moves every latent up and every output down.
     */
    @Test
    void rbfOnTwoDevicesMovesEstimatesAndTheRowsThatChangeDevice() {
        try (MultiDeviceModel two = open("cpu:1,cpu:1", 1.0)) {
            DeviceShards shards = two.shards();
            Backend a = shards.model(0).device().backend(), b = shards.model(1).device().backend();
            a.transfers().reset();
            b.transfers().reset();
            SearchResult r = search(two, "rbf", "vp-sde", 200, NoiseScheme.QUANTILE_V2);
            long nfe = r.trace().nfe();
            long down = a.transfers().downloadedBytes() + b.transfers().downloadedBytes();
            long up = a.transfers().uploadedBytes() + b.transfers().uploadedBytes();
            long latent = (long) two.dim() * Float.BYTES;
            // every move is one latent and one output down from one device and up to the other
            long moved = up / (2 * latent);
            assertEquals(nfe * latent + moved * 2 * latent, down, "down: one estimate per NFE, plus " + moved + " moved rows");
            // RBF draws each chain's candidates into rows of the chain's own device (its two chains and its candidate
            // sets of two split alike), so here nothing moves at all (measured: 0 rows, 67 B up per NFE)
            assertEquals(0, moved, "rows moved between devices");
            assertTrue(up - moved * 2 * latent < 0.1 * latent * nfe, "up besides the moved rows: " + (up - moved * 2 * latent) / (double) nfe + " B per NFE");

            a.transfers().reset();
            b.transfers().reset();
            SearchResult host = search(new HostPath(two), "rbf", "vp-sde", 200, NoiseScheme.QUANTILE_V2);
            long hostTotal = a.transfers().totalBytes() + b.transfers().totalBytes();
            assertEquals(MultiDeviceSearchTest.fingerprint(host), MultiDeviceSearchTest.fingerprint(r), "the host path's search");
            System.out.printf("rbf on two cpu devices, %d NFE: %d rows moved; %.1f B up and %.1f B down per NFE; host path %.1f B per NFE%n",
                    nfe, moved, up / (double) nfe, down / (double) nfe, hostTotal / (double) nfe);
            assertTrue(down + up < hostTotal * 0.75, "sharded " + (down + up) / nfe + " B per NFE against " + hostTotal / nfe + " on the host path");
        }
    }
}
