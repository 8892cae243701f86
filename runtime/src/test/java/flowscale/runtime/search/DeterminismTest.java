package flowscale.runtime.search;

import flowscale.runtime.model.GaussianMixtureModel;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** method.md §8 invariant 24: same seed ⇒ bit-identical results, whatever the batch splitting. */
class DeterminismTest {

    @Test
    void sameSeedGivesBitIdenticalResultsWhetherTheModelEvaluatesAllAtOnceOrOneByOne() {
        for (String method : SearchMethods.names()) {
            for (String sampler : new String[] {"vp-sde", "ode"}) {
                GaussianMixtureModel batched = Toy.gmm(), single = Toy.gmm();
                SearchResult a = Toy.run(method, SearchConfig.defaults(),
                        Toy.problem(batched, sampler, Toy.modeReward(batched), 500, 42));
                SearchResult b = Toy.run(method, SearchConfig.defaults(),
                        Toy.problem(Toy.oneAtATime(single), sampler, Toy.modeReward(single), 500, 42));
                String what = method + "/" + sampler;
                assertArrayEquals(a.best(), b.best(), what);
                assertEquals(a.bestReward(), b.bestReward(), 0.0, what);
                assertEquals(a.trace().nfe(), b.trace().nfe(), what);
                assertEquals(a.trace().levels().size(), b.trace().levels().size(), what);
                for (int i = 0; i < a.trace().levels().size(); i++) {
                    assertArrayEquals(a.trace().levels().get(i).rewards(), b.trace().levels().get(i).rewards(), what);
                }
            }
        }
    }

    @Test
    void differentSeedsGiveDifferentResults() {
        SearchResult a = Toy.run("rbf", SearchConfig.defaults(), Toy.problem("vp-sde", 500, 1));
        SearchResult b = Toy.run("rbf", SearchConfig.defaults(), Toy.problem("vp-sde", 500, 2));
        assertFalse(java.util.Arrays.equals(a.best(), b.best()));
    }

    @Test
    void noiseStreamWordsRejectOutOfRangeIndices() {
        assertThrows(IllegalArgumentException.class, () -> NoiseStreams.word1(NoiseStreams.Purpose.STEP, 1 << 28));
        assertThrows(IllegalArgumentException.class, () -> NoiseStreams.word2(4096, 0));
        assertThrows(IllegalArgumentException.class, () -> NoiseStreams.word2(0, 1 << 20));
        assertThrows(IllegalArgumentException.class, () -> new NoiseStreams(1, -1));
        assertEquals(0x2000_0003, NoiseStreams.word1(NoiseStreams.Purpose.STEP, 3));
        assertEquals((7 << 20) | 5, NoiseStreams.word2(7, 5));
    }
}
