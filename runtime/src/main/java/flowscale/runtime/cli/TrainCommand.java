package flowscale.runtime.cli;

import flowscale.kernels.cpu.CpuBackend;
import flowscale.kernels.reference.ReferenceBackend;
import flowscale.kernels.TrainingBackend;
import flowscale.runtime.UserError;
import flowscale.runtime.train.TrainConfig;
import flowscale.runtime.train.Trainer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/** {@code flowscale train}: trains a DiT on the shapes world with flow matching, resumable. */
@Command(name = "train",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Train a DiT velocity model on the shapes world (flow matching, linear interpolant, target noise - x0).",
            "",
            "Writes to --out: checkpoint.safetensors (weights, EMA, AdamW state: the run resumes from it when"
                    + " started again with the same --out), ema.safetensors (the EMA weights, loadable with"
                    + " 'generate --model'), loss.csv and loss.png. Ctrl-C stops after the current step and saves.",
            "",
            "The config file is a JSON object naming only the fields it changes; run with --print-config to"
                    + " see every field and its default (the shipped model's configuration)."})
public final class TrainCommand implements Runnable {

    @Option(names = "--config", description = "JSON file of config fields that differ from the defaults.")
    Path config;

    @Option(names = "--out", description = "Run directory (created if missing; resumed if it holds a checkpoint).")
    Path out;

    @Option(names = "--steps", description = "Override the config's number of optimiser steps.")
    Long steps;

    @Option(names = "--max-minutes", description = "Override the config's wall-time limit in minutes (0 = none); the run saves and stops there.")
    Double maxMinutes;

    @Option(names = "--checkpoint-every", description = "Override the config's checkpoint interval in steps.")
    Long checkpointEvery;

    @Option(names = "--threads", description = "Override the config's cpu worker threads (0 = one per core).")
    Integer threads;

    @Option(names = "--shortcut", description = "Train a few-step (shortcut) model with a step-size input: flow matching at d = 0"
            + " on most of each batch, the self-consistency target on the rest (config fields shortcut*).")
    boolean shortcut;

    @Option(names = "--init", paramLabel = "FILE", description = "Start from this DiT checkpoint instead of adaLN-Zero"
            + " (with --shortcut: a base checkpoint, e.g. weights/shapes-dit.safetensors, gains a zero-output step-size embedder).")
    Path init;

    @Option(names = "--backend", description = "Training backend: cpu or reference (the scalar oracle; slow).", defaultValue = "cpu")
    String backend;

    @Option(names = "--print-config", description = "Print the effective config as JSON and exit.")
    boolean printConfig;

    @Override
    public void run() {
        TrainConfig c;
        if (config != null) InputLimits.regularFile("--config", config, 1L << 20);
        try {
            c = config == null ? TrainConfig.DEFAULT : TrainConfig.read(config);
            var m = c.toMap();
            if (steps != null) m.put("steps", steps);
            if (maxMinutes != null) m.put("maxMinutes", maxMinutes);
            if (threads != null) m.put("threads", threads);
            if (checkpointEvery != null) m.put("checkpointEvery", checkpointEvery);
            if (shortcut) m.put("shortcut", true);
            if (init != null) m.put("init", init.toString());
            c = TrainConfig.parse(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(m), "command line");
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        PrintWriter err = new PrintWriter(System.err, true);
        if (printConfig) {
            System.out.println(c.toJson());
            return;
        }
        if (out == null) throw new UserError("--out DIR is required (the run directory)");
        OutputDirectory.check(out);
        checkSize(c);
        TrainingBackend be = switch (backend.toLowerCase(Locale.ROOT)) {
            case "cpu" -> c.threads() == 0 ? new CpuBackend() : new CpuBackend(c.threads());
            case "reference" -> new ReferenceBackend();
            default -> throw new UserError("training backend '" + backend + "' is not available (use cpu or reference)");
        };
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            stop.set(true);
            try {
                done.await(); // let the loop finish its step and save before the JVM exits
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "train-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        var d = c.model();
        Progress progress = new Progress(err, SearchProgress.animatedByEnvironment(), String.format(Locale.ROOT,
                "train: backend %s; model %s %dx%d images, patch %d, width %d, depth %d, %d heads; batch %d, %d steps",
                be.name(), d.shortcut() ? "shortcut DiT" : "DiT", d.imageSize(), d.imageSize(), d.patchSize(), d.hiddenSize(), d.depth(), d.numHeads(),
                c.batchSize(), c.steps()), c.init());
        try (be) {
            Trainer.Result r = new Trainer(c, out, be, progress).run(stop::get);
            progress.close();
            err.printf(Locale.ROOT, "train: %s at step %d (smoothed loss %.4f, %.1f min of training in all%s); EMA weights in %s%n",
                    r.finished() ? "finished" : stop.get() ? "stopped" : "reached the time limit", r.step(), r.smoothedLoss(),
                    r.elapsedSeconds() / 60, r.skippedSteps() > 0 ? ", " + r.skippedSteps() + " non-finite steps skipped" : "",
                    r.emaWeights());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        } finally {
            progress.close();
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting because of Ctrl-C; the hook is waiting for us and returns now
            }
        }
    }

    /**
     * Refuses, before anything is allocated, a configuration whose batch cannot fit in the heap (activations of
     * every layer are kept for the backward pass) or that asks for more threads than make sense.
     */
    private static void checkSize(TrainConfig c) {
        if (c.threads() > InputLimits.MAX_THREADS) {
            throw new UserError("threads must be in 0.." + InputLimits.MAX_THREADS + " (0: one per core), got " + c.threads());
        }
        var d = c.model();
        // Per sample: the image and its noise, then per block about 16 activations of sequence x width kept for backward.
        double perSample = 4.0 * (4.0 * d.imageFloats() + 16.0 * d.sequenceLength() * d.hiddenSize() * Math.max(1, d.depth()));
        double bytes = perSample * c.batchSize();
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap * 0.8) {
            throw new UserError(String.format(Locale.ROOT, "batchSize %d needs about %.1f GiB for its activations; this JVM may use"
                    + " %.1f GiB (lower batchSize, or raise -Xmx in FLOWSCALE_JAVA_OPTS)", c.batchSize(), bytes / (1L << 30),
                    heap / (double) (1L << 30)));
        }
    }

    /** A progress bar (or, without a terminal, one line per saved checkpoint) with loss and throughput. */
    private static final class Progress implements Trainer.Listener {
        private final PrintWriter err;
        private final boolean animated;
        private ProgressBar bar;
        private long lastStep, total;
        private double lastSmoothed, lastRate, lastLr;

        private final String banner;
        private final String initFrom;

        Progress(PrintWriter err, boolean animated, String banner, String initFrom) {
            this.err = err;
            this.animated = animated;
            this.banner = banner;
            this.initFrom = initFrom;
        }

        @Override
        public void started(long fromStep, long steps, long parameters) {
            err.println(banner);
            String from = fromStep == 0 ? (initFrom.isEmpty() ? "starting from adaLN-Zero init" : "starting from " + initFrom)
                    : fromStep >= steps ? "the run is already at step " + fromStep + " of " + steps + ", nothing to train"
                    + " (a larger --steps continues it)"
                    : "resuming at step " + fromStep + " of " + steps;
            err.printf(Locale.ROOT, "train: %,d parameters; %s%n", parameters, from);
            total = steps;
            if (animated) {
                bar = new ProgressBarBuilder().setTaskName("train").setInitialMax(steps).setUnit(" steps", 1)
                        .setConsumer(new ConsoleProgressBarConsumer(System.err)).setUpdateIntervalMillis(500).build();
                bar.stepTo(fromStep);
            }
        }

        @Override
        public void step(long step, long steps, double loss, double smoothedLoss, double learningRate, double samplesPerSecond) {
            lastStep = step;
            lastSmoothed = smoothedLoss;
            lastRate = samplesPerSecond;
            lastLr = learningRate;
            if (bar != null) {
                bar.stepTo(step);
                bar.setExtraMessage(String.format(Locale.ROOT, "loss %.4f, %.1f samples/s", smoothedLoss, samplesPerSecond));
            }
        }

        @Override
        public void saved(long step, Path checkpoint) {
            // Without a step since the start (a resumed run already complete) there is no loss or rate to report.
            if (bar == null && lastStep > 0) {
                err.printf(Locale.ROOT, "train: step %d / %d, loss %.4f, lr %.2e, %.1f samples/s, saved %s%n", step, total,
                        lastSmoothed, lastLr, lastRate, checkpoint);
            }
        }

        void close() {
            if (bar != null) {
                bar.close();
                bar = null;
            }
        }
    }
}
