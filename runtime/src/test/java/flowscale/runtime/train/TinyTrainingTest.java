package flowscale.runtime.train;

import flowscale.kernels.cpu.CpuBackend;
import flowscale.runtime.data.Prompt;
import flowscale.runtime.data.PromptParser;
import flowscale.runtime.data.ShapesWorld;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.DiT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A tiny DiT trained for a few hundred steps on a slice of the world — one group of red squares, 1 to 4 of them —
 * learns: the loss falls well below where it started, and plain Linear-ODE samples from its EMA weights score
 * better on the counting reward than samples from the untrained (adaLN-Zero) model, which outputs zero velocity and
 * so returns its noise.
 */
class TinyTrainingTest {
    static final String[] SLICE = {"1 red square", "2 red squares", "3 red squares", "4 red squares"};

    static TrainConfig tiny(long steps) {
        return TrainConfig.DEFAULT.withOverrides("""
                {"hiddenSize": 64, "depth": 2, "numHeads": 2, "patchSize": 4, "frequencyEmbeddingSize": 32,
                 "batchSize": 16, "steps": %d, "learningRate": 3e-3, "warmupSteps": 20, "emaDecay": 0.99,
                 "checkpointEvery": 100, "seed": 3}""".formatted(steps));
    }

    static TrainingBatch.SceneSource slice() {
        ShapesWorld world = new ShapesWorld();
        List<Prompt> prompts = new ArrayList<>();
        for (String p : SLICE) prompts.add(PromptParser.parse(p));
        return index -> world.render(prompts.get((int) (index % prompts.size())), index);
    }

    @Test
    void aTinyModelLearnsASliceOfTheWorld(@TempDir Path dir) throws Exception {
        TrainConfig config = tiny(300);
        Trainer.Result result;
        try (CpuBackend be = new CpuBackend(2)) {
            result = new Trainer(config, dir, be, Trainer.Listener.NONE, slice()).run(() -> false);
        }
        assertTrue(result.finished());
        List<String> csv = Files.readAllLines(dir.resolve(LossLog.CSV));
        double first = Double.parseDouble(csv.get(1).split(",")[1]);
        double last = 0;
        for (int i = csv.size() - 50; i < csv.size(); i++) last += Double.parseDouble(csv.get(i).split(",")[1]) / 50;
        assertTrue(last < 0.5 * first, "loss fell from " + first + " to only " + last + " (mean of the last 50 steps)");

        List<Prompt> prompts = new ArrayList<>();
        for (int i = 0; i < 8; i++) for (String p : SLICE) prompts.add(PromptParser.parse(p));
        Sampler ode = Sampler.named("ode");
        double trained, untrained;
        try (CpuBackend be = new CpuBackend(2)) {
            DiT model = DiT.load(dir.resolve(Trainer.EMA_FILE), be);
            trained = -ModelEvaluation.evaluate(model, ode, prompts, 1, 64).meanRss();
            DiT init = DiT.fromWeights(config.model(), Initialisation.adaLNZero(config.model(), config.seed()), be);
            untrained = -ModelEvaluation.evaluate(init, ode, prompts, 1, 64).meanRss();
        }
        assertTrue(trained > untrained + 1.0, "counting reward trained " + trained + " vs untrained " + untrained);
        assertTrue(Files.size(dir.resolve("loss.png")) > 0);
    }
}
