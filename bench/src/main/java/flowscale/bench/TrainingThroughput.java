package flowscale.bench;

import flowscale.kernels.cpu.CpuBackend;
import flowscale.runtime.data.ShapesWorld;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.train.Initialisation;
import flowscale.runtime.train.ParameterSet;
import flowscale.runtime.train.TrainConfig;
import flowscale.runtime.train.TrainableDiT;
import flowscale.runtime.train.TrainingBatch;

import java.util.Arrays;
import java.util.Locale;

/**
 * Training throughput of the shipped configuration next to the forward-only rate of the same model, measured
 * interleaved (each round times one training step — forward with activations kept, backward, gradient clipping
 * and AdamW — and one forward pass of the inference model on a batch of the same size), so load changes hit both.
 *
 * <p>FLOPs are counted analytically from the architecture (multiply-adds x 2 of every linear layer and both
 * attention products); a training step is counted as 3 forward passes (the backward of a linear layer is two
 * GEMMs of the forward's size), the usual convention. The report: samples/s of training, samples/s of
 * forward-only, the achieved GFLOP/s of each and their ratio (the fraction of the forward-only rate a
 * training step achieves).
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * flowscale.bench.TrainingThroughput [ROUNDS] [THREADS]}
 */
public final class TrainingThroughput {
    private TrainingThroughput() {}

    /** Floating-point operations of one forward pass of one item. */
    static double forwardFlops(DiTConfig c) {
        double d = c.hiddenSize(), s = c.sequenceLength(), t = c.imageTokens(), h = c.mlpHidden();
        double macs = t * c.patchFeatures() * d                             // x_embedder
                + c.frequencyEmbeddingSize() * d + d * d + 2 * d * d        // t_embedder, y_embedder
                + c.depth() * (6 * d * d + s * (3 * d * d + d * d + 2 * d * h) + 2 * s * s * d)
                + 2 * d * d + t * d * c.patchFeatures();                    // final layer
        return 2 * macs;
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : Runtime.getRuntime().availableProcessors();
        TrainConfig config = TrainConfig.DEFAULT;
        DiTConfig model = config.model();
        int batch = config.batchSize();
        try (CpuBackend be = new CpuBackend(threads)) {
            ParameterSet p = new ParameterSet(model, be);
            var init = Initialisation.adaLNZero(model, 1);
            // Non-zero adaLN and output weights, so the forward work is not short-circuited anywhere.
            var rng = new java.util.SplittableRandom(5);
            for (var e : init.entrySet()) {
                float[] w = e.getValue();
                for (int i = 0; i < w.length; i++) if (w[i] == 0f) w[i] = (float) (0.01 * rng.nextGaussian());
            }
            p.fromHost(init, p.params);
            be.fill(p.adamM, 0f);
            be.fill(p.adamV, 0f);
            TrainableDiT net = new TrainableDiT(p, batch);
            DiT dit = DiT.fromWeights(model, init, be, 1.0, batch);
            TrainingBatch.SceneSource scenes = TrainingBatch.SceneSource.world(new ShapesWorld(), 1);

            int dim = model.imageFloats();
            float[][] x = new float[batch][dim], out = new float[batch][dim];
            double[] tt = new double[batch];
            Condition[] cond = new Condition[batch];
            double[] trainSeconds = new double[rounds], forwardSeconds = new double[rounds];
            for (int r = -3; r < rounds; r++) { // three warm-up rounds
                TrainingBatch b = TrainingBatch.of(config, scenes, Math.max(0, r) + 100);
                for (int i = 0; i < batch; i++) {
                    System.arraycopy(b.xt(), i * dim, x[i], 0, dim);
                    tt[i] = b.t()[i];
                    cond[i] = b.cond()[i];
                }
                long t0 = System.nanoTime();
                be.fill(p.grads, 0f);
                net.lossAndGradient(b.xt(), b.t(), b.cond(), b.target());
                be.clipGradientNorm(1.0, p.grads);
                be.adamw(p.params, p.grads, p.adamM, p.adamV, 1e-6f, 0.9f, 0.99f, 1e-8f, 0f, Math.max(1, r + 4));
                long t1 = System.nanoTime();
                dit.velocity(batch, x, tt, cond, out);
                long t2 = System.nanoTime();
                if (r >= 0) {
                    trainSeconds[r] = (t1 - t0) / 1e9;
                    forwardSeconds[r] = (t2 - t1) / 1e9;
                }
            }
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) ratio[r] = (3 * forwardSeconds[r]) / trainSeconds[r];
            double train = median(trainSeconds), forward = median(forwardSeconds);
            double f = forwardFlops(model);
            System.out.printf(Locale.ROOT, "model %s, batch %d, %d threads, %d rounds%n", model, batch, threads, rounds);
            System.out.printf(Locale.ROOT, "forward FLOPs per item %.1f MFLOP; a training step counts 3x%n", f / 1e6);
            System.out.printf(Locale.ROOT, "training step: median %.1f ms = %.1f samples/s = %.1f GFLOP/s%n", train * 1e3,
                    batch / train, 3 * f * batch / train / 1e9);
            System.out.printf(Locale.ROOT, "forward only : median %.1f ms = %.1f samples/s = %.1f GFLOP/s%n", forward * 1e3,
                    batch / forward, f * batch / forward / 1e9);
            System.out.printf(Locale.ROOT, "training GFLOP/s / forward GFLOP/s: median of per-round ratios %.2f%n", median(ratio));
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : 0.5 * (s[s.length / 2 - 1] + s[s.length / 2]);
    }
}
