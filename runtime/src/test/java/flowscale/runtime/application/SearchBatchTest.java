package flowscale.runtime.application;

import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.reward.TargetModeReward;
import flowscale.runtime.search.Candidate;
import flowscale.runtime.search.LevelRecord;
import flowscale.runtime.search.SearchConfig;
import flowscale.runtime.search.SearchListener;
import flowscale.runtime.search.SearchMethods;
import flowscale.runtime.search.SearchProblem;
import flowscale.runtime.search.SearchResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Searches sharing model calls ({@link SearchBatch}) on the 2-D Gaussian mixture, whose velocity of a latent
 * depends on that latent alone: every search's result, trace and NFE equal its result alone, whatever the number
 * running together; calls are actually shared; a search that fails (in its reward, its model call, or before
 * calling the model) fails alone and the others finish; outcomes come in job order.
 */
@Timeout(60)
class SearchBatchTest {
    static final int SEARCHES = 8;

    /** Counts the calls and latents the real model receives. */
    static final class CountingModel implements VelocityModel {
        final GaussianMixtureModel inner = GaussianMixtureModel.separated();
        final AtomicInteger calls = new AtomicInteger();
        int largestCall;
        /** A latent whose first coordinate equals this makes the call fail (NaN: never). */
        float poison = Float.NaN;

        @Override
        public int dim() {
            return inner.dim();
        }

        @Override
        public int[] shape() {
            return inner.shape();
        }

        @Override
        public int maxBatch() {
            return 64;
        }

        @Override
        public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
            calls.incrementAndGet();
            largestCall = Math.max(largestCall, n);
            for (int i = 0; i < n; i++) {
                if (x[i][0] == poison) throw new IllegalStateException("poisoned latent");
            }
            inner.velocity(n, x, t, cond, out);
        }

        @Override
        public int nfePerLatent() {
            return 1;
        }

        @Override
        public long nfe() {
            return inner.nfe();
        }

        @Override
        public void resetNfe() {
            inner.resetNfe();
        }
    }

    static Reward modeReward() {
        GaussianMixtureModel m = GaussianMixtureModel.separated();
        return new TargetModeReward(5, m.means()[5]);
    }

    /** Search {@code i} of the batch: its own seed, so that each is a different search. */
    static SearchResult search(VelocityModel model, String method, int i, Reward reward) {
        SearchProblem p = new SearchProblem(model, Sampler.named("vp-sde").withSteps(6), reward, Condition.NONE, 360,
                100 + i, 0, SearchListener.NONE);
        return SearchMethods.create(method, SearchConfig.parse(List.of())).run(p);
    }

    /** Everything a search decided and returned, for exact comparison (timings left out). */
    static String fingerprint(SearchResult r) {
        StringBuilder s = new StringBuilder();
        s.append("nfe ").append(r.trace().nfe()).append(" rewardCalls ").append(r.trace().rewardCalls())
                .append(" best ").append(r.bestReward()).append(' ').append(Arrays.toString(r.best())).append('\n');
        for (LevelRecord l : r.trace().levels()) {
            s.append(l.level()).append(' ').append(l.chain()).append(' ').append(Arrays.toString(l.rewards()))
                    .append(' ').append(l.accepted()).append(' ').append(l.reason()).append(' ').append(l.nfe()).append('\n');
        }
        for (Candidate c : r.finalCandidates()) s.append(c.reward()).append(' ').append(Arrays.toString(c.x0())).append('\n');
        return s.toString();
    }

    private static List<SearchBatch.Job<SearchResult>> jobs(String method, Reward reward) {
        List<SearchBatch.Job<SearchResult>> jobs = new ArrayList<>();
        for (int i = 0; i < SEARCHES; i++) {
            int index = i;
            jobs.add(view -> search(view, method, index, reward));
        }
        return jobs;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"rbf", "bon", "sop", "smc", "code"})
    void everySearchGivesItsResultAloneWhateverRunsBesideIt(String method) {
        List<String> alone = new ArrayList<>();
        for (int i = 0; i < SEARCHES; i++) alone.add(fingerprint(search(new CountingModel(), method, i, modeReward())));
        for (int concurrent : new int[] {1, 3, SEARCHES}) {
            for (int rowsPerCall : new int[] {1, 5, 64}) {
                CountingModel model = new CountingModel();
                List<Integer> order = new ArrayList<>();
                List<SearchBatch.Outcome<SearchResult>> outcomes = SearchBatch.run(model, jobs(method, modeReward()),
                        concurrent, rowsPerCall, () -> false, o -> order.add(o.index()));
                String where = method + ", " + concurrent + " at a time, " + rowsPerCall + " rows per call";
                long nfe = 0;
                for (int i = 0; i < SEARCHES; i++) {
                    SearchBatch.Outcome<SearchResult> o = outcomes.get(i);
                    assertTrue(o.ok(), where + ": " + o.failure());
                    assertEquals(alone.get(i), fingerprint(o.result()), "search " + i + ", " + where);
                    nfe += o.result().trace().nfe();
                }
                assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), order, "outcomes in job order");
                assertEquals(nfe, model.nfe(), "the model counted the searches' NFE, no more");
                if (concurrent == SEARCHES && rowsPerCall == 64) {
                    assertTrue(model.largestCall > 0 && model.calls.get() * 2 < nfe, where + ": calls were not shared ("
                            + model.calls.get() + " calls for " + nfe + " NFE)");
                }
            }
        }
    }

    /** A reward that throws in search 2's fourth reward call: search 2 fails with it, the others are untouched. */
    @Test
    void aSearchWhoseRewardThrowsFailsAloneAndTheOthersFinish() {
        List<String> alone = new ArrayList<>();
        for (int i = 0; i < SEARCHES; i++) alone.add(fingerprint(search(new CountingModel(), "rbf", i, modeReward())));
        List<SearchBatch.Job<SearchResult>> jobs = new ArrayList<>();
        for (int i = 0; i < SEARCHES; i++) {
            int index = i;
            Reward reward = index == 2 ? failingAfter(3) : modeReward();
            jobs.add(view -> search(view, "rbf", index, reward));
        }
        List<SearchBatch.Outcome<SearchResult>> outcomes = SearchBatch.run(new CountingModel(), jobs, 4, () -> false, o -> {});
        for (int i = 0; i < SEARCHES; i++) {
            if (i == 2) {
                Throwable f = outcomes.get(i).failure();
                assertNotNull(f, "search 2 failed");
                String chain = f + " / " + f.getCause();
                assertTrue(chain.contains("reward broke"), chain);
            } else {
                assertEquals(alone.get(i), fingerprint(outcomes.get(i).result()), "search " + i);
            }
        }
    }

    /** A failed shared call is retried request by request: only the search with the poisoned latent sees the error. */
    @Test
    void aFailingSharedCallFailsOnlyTheSearchItWouldFailAlone() {
        CountingModel model = new CountingModel();
        model.poison = 1234.5f;
        List<SearchBatch.Job<String>> jobs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int index = i;
            jobs.add(view -> {
                float[][] x = {{index == 1 ? 1234.5f : index, 0f}};
                float[][] out = new float[1][2];
                for (int k = 0; k < 3; k++) view.velocity(1, x, new double[] {0.5}, new Condition[] {Condition.NONE}, out);
                return view.nfe() + " " + Arrays.toString(out[0]);
            });
        }
        List<SearchBatch.Outcome<String>> outcomes = SearchBatch.run(model, jobs, 4, () -> false, o -> {});
        assertInstanceOf(IllegalStateException.class, outcomes.get(1).failure());
        for (int i : new int[] {0, 2, 3}) {
            float[][] out = new float[1][2];
            new CountingModel().velocity(1, new float[][] {{i, 0f}}, new double[] {0.5}, new Condition[] {Condition.NONE}, out);
            assertEquals("3 " + Arrays.toString(out[0]), outcomes.get(i).result(), "search " + i);
        }
    }

    /** A job that throws before its first call, and one that never calls the model, do not hold the others up. */
    @Test
    void jobsThatNeverCallTheModelDoNotHoldTheOthersUp() {
        List<SearchBatch.Job<SearchResult>> jobs = new ArrayList<>(jobs("rbf", modeReward()));
        jobs.set(0, view -> {
            throw new IllegalArgumentException("bad job");
        });
        jobs.set(5, view -> null);
        List<SearchBatch.Outcome<SearchResult>> outcomes = SearchBatch.run(new CountingModel(), jobs, 3, () -> false, o -> {});
        assertInstanceOf(IllegalArgumentException.class, outcomes.get(0).failure());
        assertTrue(outcomes.get(5).ok());
        assertNull(outcomes.get(5).result());
        for (int i : new int[] {1, 2, 3, 4, 6, 7}) {
            assertTrue(outcomes.get(i).ok());
            assertEquals(fingerprint(search(new CountingModel(), "rbf", i, modeReward())), fingerprint(outcomes.get(i).result()));
        }
    }

    /** Once stop is asked no further job starts (the first always does); running ones finish; and a view refuses calls once closed. */
    @Test
    void stopStartsNoFurtherJobsAndAClosedViewRefusesCalls() {
        for (int concurrent : new int[] {1, 2}) {
            AtomicInteger started = new AtomicInteger();
            List<SearchBatch.Job<SearchResult>> jobs = new ArrayList<>();
            for (int i = 0; i < SEARCHES; i++) {
                int index = i;
                jobs.add(view -> {
                    started.incrementAndGet();
                    return search(view, "bon", index, modeReward());
                });
            }
            List<SearchBatch.Outcome<SearchResult>> outcomes = SearchBatch.run(new CountingModel(), jobs, concurrent,
                    () -> true, o -> {});
            assertEquals(1, started.get(), concurrent + " at a time");
            assertNotNull(outcomes.get(0));
            for (int i = 1; i < SEARCHES; i++) assertNull(outcomes.get(i));
        }
        List<SearchBatch.Job<String>> closing = List.of(view -> {
            view.close();
            view.velocity(1, new float[][] {{0f, 0f}}, new double[] {0.5}, new Condition[] {Condition.NONE}, new float[1][2]);
            return "called";
        }, view -> "other");
        List<SearchBatch.Outcome<String>> o = SearchBatch.run(new CountingModel(), closing, 2, () -> false, x -> {});
        assertInstanceOf(IllegalStateException.class, o.get(0).failure());
        assertEquals("other", o.get(1).result());
    }

    /** A consumer that throws stops new jobs, lets the running ones end, and its exception comes out. */
    @Test
    void aThrowingConsumerStopsTheBatchCleanly() {
        AtomicInteger started = new AtomicInteger();
        List<SearchBatch.Job<SearchResult>> jobs = new ArrayList<>();
        for (int i = 0; i < SEARCHES; i++) {
            int index = i;
            jobs.add(view -> {
                started.incrementAndGet();
                return search(view, "rbf", index, modeReward());
            });
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> SearchBatch.run(new CountingModel(), jobs, 2,
                () -> false, o -> {
                    throw new IllegalStateException("cannot write");
                }));
        assertEquals("cannot write", e.getMessage());
        assertTrue(started.get() < SEARCHES, started.get() + " jobs started after the consumer failed");
    }

    private static Reward failingAfter(int calls) {
        Reward inner = modeReward();
        return new Reward() {
            private int n;

            @Override
            public String name() {
                return inner.name();
            }

            @Override
            public void score(int count, float[][] x0, Condition[] cond, double[] scores) {
                if (++n > calls) throw new IllegalStateException("reward broke");
                inner.score(count, x0, cond, scores);
            }
        };
    }
}
