package flowscale.bench;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.Tensor;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.model.DiTWeights;
import flowscale.runtime.model.Linear;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * DiT forward latency on the cpu backend at a realistic size (hidden 256, depth 4, 4 heads, MLP 4x),
 * for 1 to 64 particles ({@code forward}), and {@code forwardThenGemms}: each forward followed by the
 * same linear layers at the same shapes and nothing else, timed separately. {@link #main} runs both
 * and prints achieved GFLOP/s (counted analytically: GEMMs plus attention's two products) and the
 * forward's rate as a fraction of the GEMM-only rate measured interleaved with it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class DiTForwardBench {
    static final DiTConfig CONFIG = DiTConfig.of(256, 4, 4, 4.0, 6, 3);

    @Param({"1", "2", "8", "32", "64"})
    public int particles;

    @Param({"cpu"})
    public String backendName;

    /** {@code random}: {@link #CONFIG} with random weights; {@code shipped}: weights/shapes-dit.safetensors (run from the repository root). */
    @Param({"random"})
    public String model;

    private Backend backend;
    private DiT dit;
    private float[][] x;
    private double[] t;
    private Condition[] cond;
    private float[][] out;
    private List<Tensor[]> gemmOperands;
    private List<Linear> gemmLayers;

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.create(backendName);
        this.dit = model.equals("shipped") ? DiT.load(java.nio.file.Path.of("weights/shapes-dit.safetensors"), backend)
                : DiT.fromWeights(CONFIG, DiTCheckpoints.randomWeights(CONFIG, 1), backend);
        DiTConfig config = dit.config();
        SplittableRandom rng = new SplittableRandom(2);
        x = new float[particles][config.imageFloats()];
        t = new double[particles];
        cond = new Condition[particles];
        out = new float[particles][config.imageFloats()];
        for (int i = 0; i < particles; i++) {
            for (int j = 0; j < x[i].length; j++) x[i][j] = (float) rng.nextGaussian();
            t[i] = rng.nextDouble();
            cond[i] = new Condition("2 red circles and 1 blue square", new int[][] {{2, 0, 0}, {1, 1, 1}});
        }
        gemmLayers = new ArrayList<>();
        gemmOperands = new ArrayList<>();
        for (GemmShape g : gemms(dit.weights(), particles)) {
            Tensor in = backend.allocate(g.rows(), g.layer().inFeatures());
            backend.normal(3, 0, 0, 0, in);
            gemmLayers.add(g.layer());
            gemmOperands.add(new Tensor[] {in, backend.allocate(g.rows(), g.layer().outFeatures())});
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        backend.close();
    }

    @Benchmark
    public float[][] forward() {
        dit.velocity(particles, x, t, cond, out);
        return out;
    }

    /**
     * Time split of alternating forward passes and GEMM-only passes, accumulated per iteration. The
     * ratio is taken from interleaved runs because on a shared machine the load drifts between two
     * benchmarks run a minute apart, which made separate measurements useless for a ratio.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.EVENTS)
    public static class Split {
        public long forwardNanos;
        public long gemmNanos;
        public long pairs;

        @Setup(Level.Iteration)
        public void reset() {
            forwardNanos = 0;
            gemmNanos = 0;
            pairs = 0;
        }
    }

    /** One forward pass, then only its linear layers at the same shapes with the model's packed weights. */
    @Benchmark
    public Object forwardThenGemms(Split split) {
        long t0 = System.nanoTime();
        dit.velocity(particles, x, t, cond, out);
        long t1 = System.nanoTime();
        for (int i = 0; i < gemmLayers.size(); i++) {
            Tensor[] io = gemmOperands.get(i);
            gemmLayers.get(i).forward(io[0], io[1]);
        }
        long t2 = System.nanoTime();
        split.forwardNanos += t1 - t0;
        split.gemmNanos += t2 - t1;
        split.pairs++;
        return out;
    }

    /** A linear layer applied to {@code rows} rows in one forward pass. */
    record GemmShape(Linear layer, long rows) {}

    /** Every linear layer of one forward pass over {@code n} items (no guidance), in execution order. */
    static List<GemmShape> gemms(DiTWeights w, long n) {
        DiTConfig c = w.config;
        long tokens = n * c.imageTokens();
        long seq = n * c.sequenceLength();
        List<GemmShape> g = new ArrayList<>();
        g.add(new GemmShape(w.tEmbedderMlp0, n));
        g.add(new GemmShape(w.tEmbedderMlp2, n));
        g.add(new GemmShape(w.yEmbedderMlp0, n));
        g.add(new GemmShape(w.yEmbedderMlp2, n));
        g.add(new GemmShape(w.xEmbedderProj, tokens));
        for (DiTWeights.Block b : w.blocks) {
            g.add(new GemmShape(b.adaLNModulation1(), n));
            g.add(new GemmShape(b.attnQkv(), seq));
            g.add(new GemmShape(b.attnProj(), seq));
            g.add(new GemmShape(b.mlpFc1(), seq));
            g.add(new GemmShape(b.mlpFc2(), seq));
        }
        g.add(new GemmShape(w.finalLayerAdaLNModulation1, n));
        g.add(new GemmShape(w.finalLayerLinear, tokens));
        return g;
    }

    /** Multiply-add FLOPs (2 per MAC) of the linear layers of one forward pass over {@code n} items. */
    static long gemmFlops(DiTConfig c, long n) {
        long d = c.hiddenSize(), seq = c.sequenceLength(), tokens = c.imageTokens();
        long perItem = c.frequencyEmbeddingSize() * d + 3 * d * d            // t_embedder, y_embedder
                + tokens * c.patchFeatures() * d                                // x_embedder
                + c.depth() * (6 * d * d + seq * (3 * d * d + d * d + 2 * d * c.mlpHidden()))
                + 2 * d * d + tokens * d * c.patchFeatures();                   // final layer
        return 2 * n * perItem;
    }

    /** FLOPs of attention's two products ({@code q k^T} and {@code p v}) over all blocks and heads. */
    static long attentionFlops(DiTConfig c, long n) {
        long seq = c.sequenceLength();
        return n * c.depth() * 2L * 2L * seq * seq * c.hiddenSize();
    }

    /**
     * Runs the benchmark (JMH command-line options are accepted, e.g. {@code -f 1 -wi 3 -i 5 -w 1 -r 1})
     * and prints latency, GFLOP/s and the forward / GEMM-only rate ratio per particle count.
     */
    public static void main(String[] args) throws Exception {
        CommandLineOptions cli = new CommandLineOptions(args);
        var opts = new org.openjdk.jmh.runner.options.OptionsBuilder().parent(cli)
                .include(DiTForwardBench.class.getSimpleName()).build();
        Collection<RunResult> results = new Runner(opts).run();
        Map<Integer, Double> forwardMs = new TreeMap<>();
        Map<Integer, double[]> split = new TreeMap<>();
        for (RunResult r : results) {
            int n = Integer.parseInt(r.getParams().getParam("particles"));
            String bench = r.getParams().getBenchmark();
            if (bench.endsWith(".forward")) {
                forwardMs.put(n, r.getPrimaryResult().getStatistics().getPercentile(50));
            } else if (bench.endsWith(".forwardThenGemms")) {
                var aux = r.getSecondaryResults();
                double pairs = aux.get("pairs").getScore();
                split.put(n, new double[] {aux.get("forwardNanos").getScore() / pairs / 1e6, aux.get("gemmNanos").getScore() / pairs / 1e6});
            }
        }
        System.out.printf("%n%-9s %12s %14s | %16s %14s %14s %10s%n", "particles", "forward ms", "forward GF/s",
                "interleaved: fwd", "gemm ms", "gemm GF/s", "fraction");
        for (int n : forwardMs.keySet()) {
            double total = gemmFlops(CONFIG, n) + attentionFlops(CONFIG, n);
            double fwd = forwardMs.get(n);
            System.out.printf("%-9d %12.3f %14.1f", n, fwd, total / (fwd * 1e6));
            double[] s = split.get(n);
            if (s != null) {
                double fwdRate = total / (s[0] * 1e6);
                double gemmRate = gemmFlops(CONFIG, n) / (s[1] * 1e6);
                System.out.printf(" | %13.3f ms %14.3f %14.1f %10.2f", s[0], s[1], gemmRate, fwdRate / gemmRate);
            }
            System.out.println();
        }
    }

}
