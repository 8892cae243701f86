package flowscale.runtime.search;

import flowscale.runtime.model.Condition;
import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.model.VelocityModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CoDe and SVDD as the reference code's {@code general_trainer.py} runs them ({@code variant=code}): one initial noise
 * per parent copied to its K children, selection at the positive multiples of L and at the last level; the default
 * ({@code variant=paper}) is unchanged.
 */
class BlockwiseCodeVariantTest {
    private static final SearchConfig CODE = SearchConfig.defaults().with("variant", "code");

    @Test
    void theCodeVariantSpendsExactlyNTimesKTimesMAndIsRefusedOneShort() {
        assertEquals(500, Toy.run("code", CODE, Toy.problem("vp-sde", 500, 1)).trace().nfe());
        assertEquals(500, Toy.run("svdd", CODE, Toy.problem("vp-sde", 500, 1)).trace().nfe());
        assertEquals(3 * 4 * 10, Toy.run("code", CODE.with("n", 3).with("k", 4), Toy.problem("vp-sde", 500, 1)).trace().nfe());
        GaussianMixtureModel m = Toy.gmm();
        SearchResult r = Toy.run("code", CODE, Toy.problem(m, "vp-sde", Toy.modeReward(m), 500, 2));
        assertEquals(m.nfe(), r.trace().nfe(), "the model's own counter agrees with the trace");
        assertThrows(IllegalArgumentException.class, () -> Toy.run("code", CODE, Toy.problem("vp-sde", 499, 1)));
        assertThrows(IllegalArgumentException.class, () -> Toy.run("svdd", CODE, Toy.problem("vp-sde", 499, 1)));
    }

    @Test
    void theCodeVariantIsDeterministicWhateverTheBatchSplitting() {
        for (String method : new String[] {"code", "svdd"}) {
            GaussianMixtureModel batched = Toy.gmm(), single = Toy.gmm();
            SearchResult a = Toy.run(method, CODE, Toy.problem(batched, "vp-sde", Toy.modeReward(batched), 500, 42));
            SearchResult b = Toy.run(method, CODE,
                    Toy.problem(Toy.oneAtATime(single), "vp-sde", Toy.modeReward(single), 500, 42));
            assertArrayEquals(a.best(), b.best(), method);
            assertEquals(a.bestReward(), b.bestReward(), 0.0, method);
            SearchResult c = Toy.run(method, CODE, Toy.problem("vp-sde", 500, 42));
            assertArrayEquals(a.best(), c.best(), method);
            SearchResult paper = Toy.run(method, SearchConfig.defaults(), Toy.problem("vp-sde", 500, 42));
            assertFalse(java.util.Arrays.equals(a.best(), paper.best()), method + ": the variant searches differently");
        }
    }

    @Test
    void childrenShareTheirParentsInitialNoiseAndParentsDiffer() {
        Recording model = new Recording(Toy.gmm());
        Toy.run("code", CODE.with("k", 4), Toy.problem(model, "vp-sde", Toy.modeReward(Toy.gmm()), 500, 7));
        float[][] first = model.calls.get(0);
        assertEquals(2 * 4, first.length);
        for (int parent = 0; parent < 2; parent++) {
            for (int c = 1; c < 4; c++) assertArrayEquals(first[parent * 4], first[parent * 4 + c], "parent " + parent);
        }
        assertFalse(java.util.Arrays.equals(first[0], first[4]), "two parents, two noises");
        // the first step gives every child its own noise
        float[][] second = model.calls.get(1);
        assertFalse(java.util.Arrays.equals(second[0], second[1]));

        Recording paper = new Recording(Toy.gmm());
        Toy.run("code", SearchConfig.defaults().with("k", 4), Toy.problem(paper, "vp-sde", Toy.modeReward(Toy.gmm()), 500, 7));
        assertFalse(java.util.Arrays.equals(paper.calls.get(0)[0], paper.calls.get(0)[1]), "the default draws K noises");
    }

    @Test
    void codeSelectsAtTheEvenLevelsAndTheLastSvddAtEveryLevelButTheFirst() {
        assertEquals(List.of(2, 4, 6, 8, 9), selectionLevels(Toy.run("code", CODE, Toy.problem("vp-sde", 500, 3))));
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9), selectionLevels(Toy.run("svdd", CODE, Toy.problem("vp-sde", 500, 3))));
        assertEquals(List.of(3, 6, 9), selectionLevels(Toy.run("code", CODE.with("l", 3), Toy.problem("vp-sde", 500, 3))));
        // today's default for contrast: after every L evaluations
        assertEquals(List.of(1, 3, 5, 7, 9), selectionLevels(Toy.run("code", SearchConfig.defaults(), Toy.problem("vp-sde", 500, 3))));
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
                selectionLevels(Toy.run("svdd", SearchConfig.defaults(), Toy.problem("vp-sde", 500, 3))));
        // every selection is over the K children of each of the N parents
        for (LevelRecord r : Toy.run("code", CODE, Toy.problem("vp-sde", 500, 3)).trace().levels()) {
            assertEquals(25, r.candidates());
            assertTrue(r.chain() == 0 || r.chain() == 1);
        }
    }

    private static List<Integer> selectionLevels(SearchResult r) {
        TreeSet<Integer> levels = new TreeSet<>();
        for (LevelRecord l : r.trace().levels()) levels.add(l.level());
        return new ArrayList<>(levels);
    }

    /** Delegates to an exact model and keeps a copy of every batch of latents it is asked about. */
    private static final class Recording implements VelocityModel {
        private final VelocityModel inner;
        final List<float[][]> calls = new ArrayList<>();

        Recording(VelocityModel inner) {
            this.inner = inner;
        }

        @Override
        public int dim() {
            return inner.dim();
        }

        @Override
        public int[] shape() {
            return inner.shape();
        }

        @Override
        public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
            float[][] copy = new float[n][];
            for (int i = 0; i < n; i++) copy[i] = x[i].clone();
            calls.add(copy);
            inner.velocity(n, x, t, cond, out);
        }

        @Override
        public int nfePerLatent() {
            return inner.nfePerLatent();
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
}
