package flowscale.runtime.train;

import flowscale.kernels.NoiseScheme;
import flowscale.runtime.data.Prompt;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.NoiseSource;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.flow.SamplingLoop;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.ImageScore;

import java.util.ArrayList;
import java.util.List;

/**
 * The quality of a model without search: one sample per prompt with a plain sampler (no reward in the loop),
 * scored by the detector and the held-out counter. This is what a model card reports.
 *
 * <p>Metrics: <b>exact-count accuracy</b> — every group of the prompt has exactly the requested number of
 * objects of its colour and shape and nothing else is in the image; <b>counts right</b> — every group's count
 * matches, extra objects allowed; <b>mean RSS</b> — the counting reward's residual sum of squares over the
 * groups; the <b>held-out metric</b> (independent counter); and the <b>valid-shape fraction</b> — detected
 * objects that are a valid shape, over all objects detected in all images (pooled, not a mean per image).
 *
 * <p>The noise is always {@link NoiseScheme#COMMITTED_TABLES}, whatever searches default to, so that the
 * numbers of every model card stay comparable with each other and reproducible.
 */
public final class ModelEvaluation {

    public record Sample(Prompt prompt, float[] image, ImageScore score) {}

    public record Result(List<Sample> samples, double exactAccuracy, double countsRightAccuracy, double meanRss,
                         double meanHeldOut, double validShapeFraction, int imagesWithDetections) {
        public int size() { return samples.size(); }

        /** Exact-count accuracy over the prompts with {@code groups} groups (NaN when there are none). */
        public double exactAccuracy(int groups) {
            int n = 0, ok = 0;
            for (Sample s : samples) {
                if (s.prompt.groups().size() != groups) continue;
                n++;
                if (s.score.tally().exact()) ok++;
            }
            return n == 0 ? Double.NaN : (double) ok / n;
        }

        public int count(int groups) {
            return (int) samples.stream().filter(s -> s.prompt.groups().size() == groups).count();
        }
    }

    private ModelEvaluation() {}

    /**
     * Samples every prompt once ({@code sampler}, noise keyed by {@code seed}, particle = prompt index) in batches of
     * {@code batch}, and scores the results.
     */
    public static Result evaluate(VelocityModel model, Sampler sampler, List<Prompt> prompts, long seed, int batch) {
        List<Sample> samples = new ArrayList<>(prompts.size());
        for (int from = 0; from < prompts.size(); from += batch) {
            int n = Math.min(batch, prompts.size() - from);
            Condition[] cond = new Condition[n];
            for (int i = 0; i < n; i++) cond[i] = prompts.get(from + i).toCondition();
            int offset = from;
            NoiseSource base = NoiseSource.philox(seed, NoiseScheme.COMMITTED_TABLES);
            NoiseSource noise = (particle, step, out) -> base.fill(offset + particle, step, out);
            float[][] images = SamplingLoop.sample(sampler, model, n, cond, noise);
            for (int i = 0; i < n; i++) {
                Prompt p = prompts.get(from + i);
                samples.add(new Sample(p, images[i], ImageScore.of(images[i], p)));
            }
        }
        return summarise(samples);
    }

    /**
     * Clean estimates from time {@code from} instead of full samples: each prompt's latent is taken from noise at t = 1
     * to {@code from} along the linear ODE of the d = 0 velocity (Euler, {@code ceil(10 (1 - from))} equal steps: the
     * 10-step grid's spacing or finer), and the estimate there is the image: the one-step jump
     * {@code x - t s(x, t, d = t)} for {@link Estimate#SCHNELL} or {@link Estimate#FAITHFUL} (a shortcut model), the
     * Tweedie estimate {@code x - t u} for {@link Estimate#TWEEDIE}. This is what a search's reward sees at that time.
     */
    public static Result evaluateEstimates(VelocityModel model, double from, Estimate estimate, List<Prompt> prompts,
                                           long seed, int batch) {
        if (!(from > 0 && from <= 1)) throw new IllegalArgumentException("estimate time must be in (0, 1], got " + from);
        boolean jump = estimate != Estimate.TWEEDIE;
        if (jump && !model.takesStepSize()) {
            throw new IllegalArgumentException("a one-step estimate needs a shortcut model; this model has none (use tweedie)");
        }
        int steps = Math.max(1, (int) Math.ceil(10 * (1 - from) - 1e-9));
        List<Sample> samples = new ArrayList<>(prompts.size());
        int dim = model.dim();
        for (int offset = 0; offset < prompts.size(); offset += batch) {
            int n = Math.min(batch, prompts.size() - offset);
            Condition[] cond = new Condition[n];
            for (int i = 0; i < n; i++) cond[i] = prompts.get(offset + i).toCondition();
            NoiseSource base = NoiseSource.philox(seed, NoiseScheme.COMMITTED_TABLES);
            int first = offset;
            float[][] x = new float[n][dim], u = new float[n][dim];
            SamplingLoop.initialNoise((particle, step, out) -> base.fill(first + particle, step, out), n, x);
            double[] t = new double[n], d = new double[n];
            for (int k = 0; k < steps; k++) {
                double tk = 1 - (1 - from) * k / steps, tNext = 1 - (1 - from) * (k + 1) / steps;
                java.util.Arrays.fill(t, tk);
                model.velocity(n, x, t, cond, u);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < dim; j++) x[i][j] += (float) ((tNext - tk) * u[i][j]);
                }
            }
            java.util.Arrays.fill(t, from);
            if (jump) {
                java.util.Arrays.fill(d, from);
                model.velocity(n, x, t, d, cond, u);
            } else {
                model.velocity(n, x, t, cond, u);
            }
            for (int i = 0; i < n; i++) {
                float[] img = new float[dim];
                for (int j = 0; j < dim; j++) img[j] = (float) (x[i][j] - from * u[i][j]);
                Prompt p = prompts.get(offset + i);
                samples.add(new Sample(p, img, ImageScore.of(img, p)));
            }
        }
        return summarise(samples);
    }

    static Result summarise(List<Sample> samples) {
        int exact = 0, countsRight = 0, withDetections = 0;
        long objects = 0, invalid = 0;
        double rss = 0, heldOut = 0;
        for (Sample s : samples) {
            if (s.score.tally().exact()) exact++;
            if (s.score.tally().groupsMatched() == s.prompt.groups().size()) countsRight++;
            rss += s.score.tally().rss();
            heldOut += s.score.heldOut();
            if (!s.score.detections().isEmpty()) withDetections++;
            objects += s.score.detections().size();
            invalid += s.score.tally().invalid();
        }
        int n = Math.max(1, samples.size());
        return new Result(List.copyOf(samples), (double) exact / n, (double) countsRight / n, rss / n, heldOut / n,
                objects == 0 ? Double.NaN : (double) (objects - invalid) / objects, withDetections);
    }
}
