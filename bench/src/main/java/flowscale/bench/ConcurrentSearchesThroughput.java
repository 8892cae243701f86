package flowscale.bench;

import flowscale.bench.experiments.EvaluationPrompts;
import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.Tensor;
import flowscale.runtime.application.SearchBatch;
import flowscale.runtime.data.Prompt;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DeviceBuffers;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.reward.Rewards;
import flowscale.runtime.search.SearchConfig;
import flowscale.runtime.search.SearchListener;
import flowscale.runtime.search.SearchMethods;
import flowscale.runtime.search.SearchProblem;
import flowscale.runtime.search.SearchResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Searches per minute of the main job's search (RBF, VP-SDE, 500 NFE, seed 0, counting reward) over P prompts on
 * the shipped model, one at a time against N at a time with shared model calls ({@link SearchBatch}), in one warm
 * JVM: a first untimed round of both warms the JIT up, then the rounds alternate which goes first, so load changes
 * hit both. Also counts the model calls and the latents per call. (The CLI's {@code generate --prompts} pays the
 * JIT warm-up inside its first searches; this shows the steady state.)
 *
 * <p>Run: {@code java --add-modules jdk.incubator.vector -cp bench/target/benchmarks.jar
 * flowscale.bench.ConcurrentSearchesThroughput [PROMPTS] [N] [ROUNDS] [CHECKPOINT]}
 */
public final class ConcurrentSearchesThroughput {
    private ConcurrentSearchesThroughput() {}

    /** Passes calls on, counting them. */
    private static final class Counted implements VelocityModel {
        final VelocityModel inner;
        long calls, latents;

        Counted(VelocityModel inner) {
            this.inner = inner;
        }

        @Override public int dim() { return inner.dim(); }
        @Override public int[] shape() { return inner.shape(); }
        @Override public int maxBatch() { return inner.maxBatch(); }
        @Override public boolean takesStepSize() { return inner.takesStepSize(); }
        @Override public int nfePerLatent() { return inner.nfePerLatent(); }
        @Override public long nfe() { return inner.nfe(); }
        @Override public void resetNfe() { inner.resetNfe(); }

        @Override
        public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
            calls++;
            latents += n;
            inner.velocity(n, x, t, cond, out);
        }

        @Override
        public void velocity(int n, float[][] x, double[] t, double[] d, Condition[] cond, float[][] out) {
            calls++;
            latents += n;
            inner.velocity(n, x, t, d, cond, out);
        }

        /** The model's device path, so that the searches keep their particles there as they do in generate. */
        @Override
        public DeviceBuffers device() {
            return inner.device();
        }

        @Override
        public void velocity(int n, Tensor x, double[] t, double[] d, Condition[] cond, Tensor out) {
            calls++;
            latents += n;
            inner.velocity(n, x, t, d, cond, out);
        }
    }

    public static void main(String[] args) {
        int prompts = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int concurrent = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
        Path checkpoint = Path.of(args.length > 3 ? args[3] : "weights/shapes-dit.safetensors");
        List<Prompt> list = EvaluationPrompts.first(prompts);
        Reward reward = Rewards.named("counting");
        Sampler sampler = Sampler.named("vp-sde").withSteps(10);
        try (Backend backend = Backends.create("cpu"); DiT dit = DiT.load(checkpoint, backend)) {
            Counted model = new Counted(dit);
            System.out.printf(Locale.ROOT, "%d prompts, RBF vp-sde 500 NFE each, 1 vs %d at a time, %d rounds, %s, %d cores%n",
                    prompts, concurrent, rounds, checkpoint, Runtime.getRuntime().availableProcessors());
            List<Double> one = new ArrayList<>(), many = new ArrayList<>();
            for (int round = 0; round <= rounds; round++) {
                int[] order = round % 2 == 0 ? new int[] {1, concurrent} : new int[] {concurrent, 1};
                for (int n : order) {
                    model.calls = 0;
                    model.latents = 0;
                    long t0 = System.nanoTime();
                    List<SearchBatch.Outcome<SearchResult>> out = SearchBatch.run(model, jobs(list, sampler, reward), n,
                            () -> false, o -> {});
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    for (SearchBatch.Outcome<SearchResult> o : out) {
                        if (!o.ok()) throw new IllegalStateException("search " + o.index() + " failed", o.failure());
                    }
                    double perMinute = prompts * 60 / seconds;
                    System.out.printf(Locale.ROOT, "round %d%s, %2d at a time: %6.1f s, %5.1f searches/min, %d calls, %.1f latents/call%n",
                            round, round == 0 ? " (warm-up)" : "", n, seconds, perMinute, model.calls, model.latents / (double) model.calls);
                    if (round > 0) (n == 1 ? one : many).add(perMinute);
                }
            }
            if (rounds > 0) {
                double a = median(one), b = median(many);
                System.out.printf(Locale.ROOT, "median searches/min: 1 at a time %.1f, %d at a time %.1f, ratio %.2f%n", a, concurrent, b, b / a);
            }
        }
    }

    private static List<SearchBatch.Job<SearchResult>> jobs(List<Prompt> prompts, Sampler sampler, Reward reward) {
        List<SearchBatch.Job<SearchResult>> jobs = new ArrayList<>();
        for (Prompt p : prompts) {
            Condition c = p.toCondition();
            jobs.add(view -> SearchMethods.create("rbf", SearchConfig.parse(List.of()))
                    .run(new SearchProblem(view, sampler, reward, c, 500, 0, 0, SearchListener.NONE)));
        }
        return jobs;
    }

    private static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
