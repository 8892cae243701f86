package flowscale.runtime.search;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.NoiseScheme;
import flowscale.kernels.Tensor;
import flowscale.kernels.opencl.ClDevices;
import flowscale.runtime.application.SearchBatch;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DeviceBuffers;
import flowscale.runtime.model.DeviceSpec;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.MultiDeviceModel;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Rewards;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Searches sharing model calls ({@link SearchBatch}, {@code --concurrent-searches}) on a model with a device path keep
 * their particles on the device: each search's rows are gathered into the shared call and scattered back by device
 * copies, so the bytes that cross between host and device are those of the searches run one at a time (for RBF: the
 * estimate the reward reads, per NFE); the calls are really shared (fewer, larger calls); and every search returns what it returns alone (on {@code cpu} bit for bit, on {@code opencl} the same
 * decisions and an image within the device path's tolerance).
 */
@Timeout(300)
class SharedDeviceCallsTest {
    private static final int SEARCHES = 4;

    /** The model, counting its device-path calls and their largest batch. */
    private static final class Counting implements VelocityModel {
        final DiT inner;
        int deviceCalls;

        Counting(DiT inner) {
            this.inner = inner;
        }

        @Override public int dim() { return inner.dim(); }
        @Override public int[] shape() { return inner.shape(); }
        @Override public int maxBatch() { return inner.maxBatch(); }
        @Override public boolean takesStepSize() { return inner.takesStepSize(); }
        @Override public int nfePerLatent() { return inner.nfePerLatent(); }
        @Override public long nfe() { return inner.nfe(); }
        @Override public void resetNfe() { inner.resetNfe(); }
        @Override public DeviceBuffers device() { return inner.device(); }

        @Override
        public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
            throw new AssertionError("a host call: the particles left the device");
        }

        @Override
        public void velocity(int n, float[][] x, double[] t, double[] d, Condition[] cond, float[][] out) {
            throw new AssertionError("a host call: the particles left the device");
        }

        @Override
        public void velocity(int n, Tensor x, double[] t, double[] d, Condition[] cond, Tensor out) {
            deviceCalls++;
            inner.velocity(n, x, t, d, cond, out);
        }
    }

    /**
     * RBF on VP-SDE (two chains, noise drawn on the device) for seeds 1..SEARCHES, the second with speculative candidates
     * (8 per chain in one call) if {@code speculate}, and one Best-of-N.
     */
    private static List<SearchBatch.Job<SearchResult>> jobs(boolean speculate) {
        List<SearchBatch.Job<SearchResult>> jobs = new ArrayList<>();
        for (int i = 0; i < SEARCHES; i++) {
            long seed = i + 1;
            String method = i == SEARCHES - 1 ? "bon" : "rbf";
            List<String> settings = speculate && i == 1 ? List.of("speculate=8") : List.of();
            jobs.add(model -> SearchMethods.create(method, SearchConfig.parse(settings)).run(new SearchProblem(model,
                    Sampler.named("vp-sde").withSteps(4), Rewards.named("counting"), MultiDeviceSearchTest.PROMPT, 120, seed, 0,
                    SearchListener.NONE, NoiseScheme.QUANTILE_V2)));
        }
        return jobs;
    }

    private static List<SearchResult> run(VelocityModel model, int concurrent, boolean speculate) {
        List<SearchResult> results = new ArrayList<>();
        for (SearchBatch.Outcome<SearchResult> o : SearchBatch.run(model, jobs(speculate), concurrent, () -> false, x -> {})) {
            if (!o.ok()) throw new AssertionError("search " + o.index() + " failed", o.failure());
            results.add(o.result());
        }
        return results;
    }

    private static long nfe(List<SearchResult> results) {
        long nfe = 0;
        for (SearchResult r : results) nfe += r.trace().nfe();
        return nfe;
    }

    @Test
    void onCpuSharedCallsStayOnTheDeviceAndGiveEachSearchItsBitsAlone() {
        try (Backend cpu = Backends.create("cpu");
             DiT dit = DiT.fromWeights(MultiDeviceSearchTest.CONFIG, MultiDeviceSearchTest.WEIGHTS, cpu, 1.0, 64)) {
            Counting model = new Counting(dit);
            boolean compared = false;
            for (int round = 0; round < 5 && !compared; round++) {
                model.deviceCalls = 0;
                cpu.transfers().reset();
                List<SearchResult> before = run(model, 1, true);
                int aloneCalls = model.deviceCalls;
                long aloneDown = cpu.transfers().downloadedBytes();
                model.deviceCalls = 0;
                cpu.transfers().reset();
                List<SearchResult> shared = run(model, SEARCHES, true);
                long down = cpu.transfers().downloadedBytes(), up = cpu.transfers().uploadedBytes();
                int sharedCalls = model.deviceCalls;
                List<SearchResult> after = run(model, 1, true);
                if (!fingerprints(before).equals(fingerprints(after))) continue;
                compared = true;
                for (int i = 0; i < SEARCHES; i++) {
                    assertEquals(MultiDeviceSearchTest.fingerprint(before.get(i)), MultiDeviceSearchTest.fingerprint(shared.get(i)),
                            "search " + i + " shared against alone");
                }
                assertTrue(sharedCalls < aloneCalls, "shared: " + sharedCalls + " model calls against " + aloneCalls + " alone");
                assertEquals(aloneDown, down, "bytes downloaded: the searches alone's");
                // Up go only the model's times and conditions when they change from one call to the next (which depends on how
                // the requests happened to group), never a latent.
                assertTrue(up < 0.1 * dit.dim() * Float.BYTES * nfe(shared), "uploaded " + up / (double) nfe(shared) + " B per NFE");
            }
            assertTrue(compared, "the searches alone never gave the same results twice in a row");
        }
    }

    /**
     * A model spread over two cpu devices ({@code --devices cpu:1,cpu:1}): each search keeps each device's share of its
     * particles there, every device's requests of the running searches are gathered into one call per device, the
     * devices run at once, and every search returns its bits alone with the bytes it moves alone.
     */
    @Test
    void onSpreadDevicesSharedCallsKeepEachShareOnItsDeviceAndGiveEachSearchItsBitsAlone() {
        try (MultiDeviceModel model = MultiDeviceModel.fromWeights(MultiDeviceSearchTest.CONFIG, MultiDeviceSearchTest.WEIGHTS,
                DeviceSpec.parseList("cpu:1,cpu:1"), 1.0, 64)) {
            assertNotNull(model.shards());
            Backend a = model.model(0).backend(), b = model.model(1).backend();
            boolean compared = false;
            for (int round = 0; round < 5 && !compared; round++) {
                a.transfers().reset();
                b.transfers().reset();
                List<SearchResult> before = run(model, 1, true);
                long aloneDown = a.transfers().downloadedBytes() + b.transfers().downloadedBytes();
                a.transfers().reset();
                b.transfers().reset();
                List<SearchResult> shared = run(model, SEARCHES, true);
                long down = a.transfers().downloadedBytes() + b.transfers().downloadedBytes();
                long up = a.transfers().uploadedBytes() + b.transfers().uploadedBytes();
                List<SearchResult> after = run(model, 1, true);
                if (!fingerprints(before).equals(fingerprints(after))) continue;
                compared = true;
                for (int i = 0; i < SEARCHES; i++) {
                    assertEquals(MultiDeviceSearchTest.fingerprint(before.get(i)), MultiDeviceSearchTest.fingerprint(shared.get(i)),
                            "search " + i + " shared against alone");
                }
                assertEquals(aloneDown, down, "bytes downloaded: the searches alone's");
                // Up go the calls' times and condition embeddings, again whenever a device's call has other rows than its
                // last (measured: 1.3 KB per NFE here), never a latent (12 KB).
                assertTrue(up < 0.25 * model.dim() * Float.BYTES * nfe(shared), "uploaded " + up / (double) nfe(shared) + " B per NFE");
            }
            assertTrue(compared, "the searches alone never gave the same results twice in a row");
        }
    }

    @Test
    void onOpenClSharedCallsMoveOnlyEstimatesAndAgreeWithEachSearchAlone() {
        assertTrue(ClDevices.available(), "no OpenCL device found; this test needs one (Debian: apt-get install pocl-opencl-icd)");
        try (Backend cl = Backends.create("opencl");
             DiT dit = DiT.fromWeights(MultiDeviceSearchTest.CONFIG, MultiDeviceSearchTest.WEIGHTS, cl, 1.0, 64)) {
            Counting model = new Counting(dit);
            assertNotNull(model.device());
            cl.transfers().reset();
            List<SearchResult> alone = run(model, 1, false);
            int aloneCalls = model.deviceCalls;
            long aloneDown = cl.transfers().downloadedBytes();
            model.deviceCalls = 0;
            cl.transfers().reset();
            List<SearchResult> shared = run(model, SEARCHES, false);
            long down = cl.transfers().downloadedBytes(), up = cl.transfers().uploadedBytes();
            assertTrue(model.deviceCalls < aloneCalls, "shared: " + model.deviceCalls + " model calls against " + aloneCalls + " alone");
            assertEquals(aloneDown, down, "bytes downloaded: the searches alone's");
            long rbfNfe = nfe(shared.subList(0, SEARCHES - 1));
            long bonDown = shared.get(SEARCHES - 1).trace().rewardCalls() * dit.dim() * Float.BYTES;
            assertEquals((long) dit.dim() * Float.BYTES, (down - bonDown) / rbfNfe, "RBF: downloaded bytes per NFE, one estimate");
            long nfe = nfe(shared);
            assertTrue(up < 0.1 * dit.dim() * Float.BYTES * nfe, "uploaded " + up / (double) nfe + " B per NFE");
            for (int i = 0; i < SEARCHES; i++) {
                SearchResult a = alone.get(i), s = shared.get(i);
                assertEquals(decisions(a), decisions(s), "search " + i);
                float worst = 0;
                for (int j = 0; j < a.best().length; j++) worst = Math.max(worst, Math.abs(a.best()[j] - s.best()[j]));
                assertTrue(worst <= 1e-5f, "search " + i + ": best images differ by " + worst);
            }
        }
    }

    private static List<String> fingerprints(List<SearchResult> results) {
        return results.stream().map(MultiDeviceSearchTest::fingerprint).toList();
    }

    private static String decisions(SearchResult r) {
        StringBuilder s = new StringBuilder("nfe " + r.trace().nfe() + " best " + r.bestReward() + "\n");
        for (LevelRecord l : r.trace().levels()) {
            s.append(l.level()).append(' ').append(l.chain()).append(' ').append(java.util.Arrays.toString(l.rewards()))
                    .append(' ').append(l.accepted()).append(' ').append(l.reason()).append(' ').append(l.nfe()).append('\n');
        }
        return s.toString();
    }
}
