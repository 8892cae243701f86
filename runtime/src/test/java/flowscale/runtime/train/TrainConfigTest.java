package flowscale.runtime.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainConfigTest {
    @Test
    void aConfigNamesOnlyWhatItChanges() {
        TrainConfig c = TrainConfig.parse("{\"depth\": 2, \"learningRate\": 0.002}", "test");
        assertEquals(2, c.depth());
        assertEquals(0.002, c.learningRate());
        assertEquals(TrainConfig.DEFAULT.hiddenSize(), c.hiddenSize());
        assertEquals(TrainConfig.DEFAULT, TrainConfig.parse(TrainConfig.DEFAULT.toJson(), "round trip"));
    }

    @Test
    void badConfigsFailInOneLine() {
        String[][] cases = {
            {"{\"depht\": 2}", "unknown fields [depht]"},
            {"{\"numHeads\": 3}", "numHeads 3 must divide hiddenSize"},
            {"{\"learningRate\": -1}", "learningRate -1.0 must be positive"},
            {"{\"depth\": \"six\"}", "training config test"},
            {"[1, 2]", "is not a JSON object"},
            {"{\"steps\": 0, \"emaDecay\": 1}", "steps 0 must be at least 1; emaDecay 1.0 must be in [0, 1)"},
            {"{\"shortcutSteps\": 100}", "shortcutSteps 100 must be a power of two"},
            {"{\"shortcutFraction\": 1}", "shortcutFraction 1.0 must be in [0, 1)"},
            {"{\"shortcut\": true, \"batchSize\": 1}", "at least 1 self-consistency item"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.parse(c[0], "test"), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
    }

    @Test
    void learningRateWarmsUpThenDecaysToTheFloor() {
        TrainConfig c = TrainConfig.DEFAULT;
        assertTrue(Trainer.learningRate(c, 0) < 0.01 * c.learningRate());
        assertEquals(c.learningRate(), Trainer.learningRate(c, c.warmupSteps()), 1e-12);
        assertEquals(c.learningRate() * c.minLearningRateFraction(), Trainer.learningRate(c, c.steps()), 1e-12);
        for (long s = c.warmupSteps(); s < c.steps(); s += 97) {
            assertTrue(Trainer.learningRate(c, s + 1) <= Trainer.learningRate(c, s));
        }
    }
}
