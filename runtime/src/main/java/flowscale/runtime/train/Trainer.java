package flowscale.runtime.train;

import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;
import flowscale.runtime.data.ShapesWorld;
import flowscale.loader.SafetensorsException;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * A flow-matching training run of the DiT on the shapes world, in {@code out}: resumes from
 * {@code out/checkpoint.safetensors} when it exists (same config, except the run's length), saves it every
 * {@code checkpointEvery} steps, at the time limit and when asked to stop, and keeps {@code out/ema.safetensors}
 * (the EMA weights as an ordinary DiT checkpoint, what {@code generate --model} loads) and the loss curve next to it.
 */
public final class Trainer {
    public static final String EMA_FILE = "ema.safetensors";

    /** Reports each step; {@code samplesPerSecond} counts this session's steps only. */
    public interface Listener {
        /** A listener that ignores everything. */
        Listener NONE = new Listener() {
            @Override public void started(long fromStep, long steps, long parameters) {}
            @Override public void step(long step, long steps, double loss, double smoothedLoss, double learningRate, double samplesPerSecond) {}
            @Override public void saved(long step, Path checkpoint) {}
        };

        void started(long fromStep, long steps, long parameters);

        void step(long step, long steps, double loss, double smoothedLoss, double learningRate, double samplesPerSecond);

        void saved(long step, Path checkpoint);
    }

    /** How a run ended. */
    public record Result(long step, double smoothedLoss, double elapsedSeconds, long skippedSteps, boolean finished, Path emaWeights) {}

    private final TrainConfig config;
    private final Path out;
    private final TrainingBackend backend;
    private final Listener listener;
    private final TrainingBatch.SceneSource scenes;

    /** A run on the shapes world's training stream (all prompts, 1-3 groups). */
    public Trainer(TrainConfig config, Path out, TrainingBackend backend, Listener listener) {
        this(config, out, backend, listener, TrainingBatch.SceneSource.world(new ShapesWorld(), config.seed()));
    }

    /** A run on another scene stream (e.g. a slice of the world for a quick test); images must fit the model. */
    public Trainer(TrainConfig config, Path out, TrainingBackend backend, Listener listener, TrainingBatch.SceneSource scenes) {
        this.config = config;
        this.out = out;
        this.backend = backend;
        this.listener = listener;
        this.scenes = scenes;
    }

    /** Learning rate of (0-based) step {@code step}: linear warm-up to the peak, then cosine to the floor. */
    public static double learningRate(TrainConfig c, long step) {
        if (step < c.warmupSteps()) return c.learningRate() * (step + 1) / (c.warmupSteps() + 1);
        long decaySteps = Math.max(1, c.steps() - c.warmupSteps());
        double progress = Math.min(1.0, (double) (step - c.warmupSteps()) / decaySteps);
        double floor = c.minLearningRateFraction();
        return c.learningRate() * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
    }

    /**
     * Trains until {@code config.steps()}, the time limit, or {@code stop} says so (checked between steps).
     *
     * @throws IllegalArgumentException for a checkpoint in {@code out} written under another config
     */
    public Result run(BooleanSupplier stop) {
        DiTConfig model = config.model();
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out + ": " + e.getMessage(), e);
        }
        Path checkpoint = out.resolve(TrainingCheckpoint.FILE);
        ParameterSet p = new ParameterSet(model, backend);
        long step;
        double elapsedBefore;
        if (Files.exists(checkpoint)) {
            TrainingCheckpoint.State saved = TrainingCheckpoint.load(checkpoint, null);
            List<String> conflicts = config.resumeConflicts(saved.config());
            if (!conflicts.isEmpty()) {
                throw new IllegalArgumentException(checkpoint + " was written with another config (" + String.join(", ", conflicts)
                        + "); use another --out or the same config");
            }
            TrainingCheckpoint.load(checkpoint, p);
            step = saved.step();
            elapsedBefore = saved.elapsedSeconds();
        } else {
            p.fromHost(config.init().isEmpty() ? Initialisation.adaLNZero(model, config.seed()) : initialWeights(model), p.params);
            backend.copy(p.params, p.ema);
            backend.fill(p.adamM, 0f);
            backend.fill(p.adamV, 0f);
            step = 0;
            elapsedBefore = 0;
        }
        LossLog log = new LossLog(out, step, config.shortcut());
        listener.started(step, config.steps(), p.count());
        TrainableDiT net = new TrainableDiT(p, config.batchSize());
        SelfConsistencyTarget consistency = config.shortcut()
                ? new SelfConsistencyTarget(new TrainableDiT(p, config.selfConsistencyItems()), config.shortcutSteps()) : null;
        Tensor decayedParams = p.params.flatRange(0, p.decayedCount());
        Tensor otherParams = p.params.flatRange(p.decayedCount(), p.count() - p.decayedCount());
        Tensor[] decayed = {decayedParams, p.grads.flatRange(0, p.decayedCount()), p.adamM.flatRange(0, p.decayedCount()),
            p.adamV.flatRange(0, p.decayedCount())};
        long rest = p.count() - p.decayedCount();
        Tensor[] other = {otherParams, p.grads.flatRange(p.decayedCount(), rest), p.adamM.flatRange(p.decayedCount(), rest),
            p.adamV.flatRange(p.decayedCount(), rest)};

        long sessionStart = System.nanoTime();
        long sessionSteps = 0, skipped = 0;
        double limitSeconds = config.maxMinutes() * 60.0;
        boolean finished = step >= config.steps();
        while (!finished) {
            if (stop.getAsBoolean()) break;
            double elapsed = elapsedBefore + (System.nanoTime() - sessionStart) / 1e9;
            if (limitSeconds > 0 && elapsed >= limitSeconds) break;

            TrainingBatch batch = TrainingBatch.of(config, scenes, step);
            if (consistency != null) consistency.fill(batch); // before the gradient is zeroed: it takes none
            backend.fill(p.grads, 0f);
            double loss = net.lossAndGradient(batch.xt(), batch.t(), batch.d(), batch.cond(), batch.target());
            double norm = backend.clipGradientNorm(config.gradientClip(), p.grads);
            double lr = learningRate(config, step);
            if (Double.isFinite(loss) && Double.isFinite(norm)) {
                long t = step + 1;
                backend.adamw(decayed[0], decayed[1], decayed[2], decayed[3], (float) lr, (float) config.beta1(),
                        (float) config.beta2(), (float) config.adamEpsilon(), (float) config.weightDecay(), t);
                backend.adamw(other[0], other[1], other[2], other[3], (float) lr, (float) config.beta1(),
                        (float) config.beta2(), (float) config.adamEpsilon(), 0f, t);
                // EMA with the usual warm-up, so the average is not dominated by the initial weights early on.
                double decay = Math.min(config.emaDecay(), (1.0 + t) / (10.0 + t));
                backend.axpby((float) decay, p.ema, (float) (1 - decay), p.params, p.ema);
            } else {
                skipped++; // a non-finite loss or gradient never reaches the weights
            }
            step++;
            sessionSteps++;
            double now = (System.nanoTime() - sessionStart) / 1e9;
            double rate = sessionSteps * config.batchSize() / Math.max(now, 1e-9);
            double smoothed;
            if (consistency != null) {
                int split = config.batchSize() - config.selfConsistencyItems();
                smoothed = log.add(step, loss, lr, norm, rate, elapsedBefore + now, net.meanSquaredError(0, split),
                        net.meanSquaredError(split, config.batchSize()));
            } else {
                smoothed = log.add(step, loss, lr, norm, rate, elapsedBefore + now);
            }
            listener.step(step, config.steps(), loss, smoothed, lr, rate);
            finished = step >= config.steps();
            if (step % config.checkpointEvery() == 0 && !finished) save(p, step, elapsedBefore + now, log);
        }
        double elapsed = elapsedBefore + (System.nanoTime() - sessionStart) / 1e9;
        save(p, step, elapsed, log);
        return new Result(step, log.smoothed(), elapsed, skipped, finished, out.resolve(EMA_FILE));
    }

    /**
     * The weights of {@code config.init()} for {@code model}: as they are when the checkpoint has the same architecture,
     * or with a fresh, zero-output step-size embedder when a base checkpoint starts a shortcut run.
     */
    private Map<String, float[]> initialWeights(DiTConfig model) {
        Path file = Path.of(config.init());
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("initial checkpoint " + file + " does not exist");
        DiTConfig start;
        Map<String, float[]> weights;
        try {
            start = DiTCheckpoints.readConfig(file).withExtra(Map.of());
            weights = DiTCheckpoints.readTensors(file);
        } catch (CheckpointException | SafetensorsException e) {
            throw new IllegalArgumentException("initial checkpoint: " + e.getMessage(), e);
        }
        if (start.equals(model)) return weights;
        if (start.withShortcut(true).equals(model)) return Initialisation.shortcut(start, weights, config.seed());
        throw new IllegalArgumentException("initial checkpoint " + file + " is a different model (" + start
                + ") from the one this config trains (" + model + ")");
    }

    private void save(ParameterSet p, long step, double elapsed, LossLog log) {
        Path checkpoint = out.resolve(TrainingCheckpoint.FILE);
        TrainingCheckpoint.save(checkpoint, p, new TrainingCheckpoint.State(step, elapsed, config));
        Map<String, String> extra = new LinkedHashMap<>();
        extra.put("flowscale.train.step", Long.toString(step));
        extra.put("flowscale.train.elapsed_seconds", String.format(java.util.Locale.ROOT, "%.0f", elapsed));
        extra.put("flowscale.train.smoothed_loss", String.format(java.util.Locale.ROOT, "%.5f", log.smoothed()));
        extra.put("flowscale.train.config", config.toJson().replaceAll("\\s+", ""));
        DiTCheckpoints.write(p.config().withExtra(extra), p.toHost(p.ema), out.resolve(EMA_FILE));
        log.flush();
        listener.saved(step, checkpoint);
    }
}
