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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * DiT forward latency on the cpu backend at a realistic size (hidden 256, depth 4, 4 heads, MLP 4x),
 * for 1 to 64 particles, next to {@code gemmOnly}: the same linear layers at the same shapes without
 * anything else. {@link #main} runs both and prints achieved GFLOP/s (counted analytically: GEMMs plus
 * attention's two products) and the forward's rate as a fraction of the GEMM-only rate.
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

    private Backend backend;
    private DiT model;
    private float[][] x;
    private double[] t;
    private Condition[] cond;
    private float[][] out;
    private List<Tensor[]> gemmOperands;
    private List<Linear> gemmLayers;

    @Setup(Level.Trial)
    public void setUp() {
        backend = Backends.create(backendName);
        model = DiT.fromWeights(CONFIG, DiTCheckpoints.randomWeights(CONFIG, 1), backend);
        SplittableRandom rng = new SplittableRandom(2);
        x = new float[particles][CONFIG.imageFloats()];
        t = new double[particles];
        cond = new Condition[particles];
        out = new float[particles][CONFIG.imageFloats()];
        for (int i = 0; i < particles; i++) {
            for (int j = 0; j < x[i].length; j++) x[i][j] = (float) rng.nextGaussian();
            t[i] = rng.nextDouble();
            cond[i] = new Condition("2 red circles and 1 blue square", new int[][] {{2, 0, 0}, {1, 1, 1}});
        }
        gemmLayers = new ArrayList<>();
        gemmOperands = new ArrayList<>();
        for (GemmShape g : gemms(model.weights(), particles)) {
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
        model.velocity(particles, x, t, cond, out);
        return out;
    }

    /** Only the forward pass's linear layers, at its shapes, with the model's packed weights. */
    @Benchmark
    public Object gemmOnly() {
        for (int i = 0; i < gemmLayers.size(); i++) {
            Tensor[] io = gemmOperands.get(i);
            gemmLayers.get(i).forward(io[0], io[1]);
        }
        return gemmOperands;
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
        Map<Integer, Map<String, Double>> ms = new TreeMap<>();
        for (RunResult r : results) {
            int n = Integer.parseInt(r.getParams().getParam("particles"));
            String label = r.getParams().getBenchmark().substring(r.getParams().getBenchmark().lastIndexOf('.') + 1);
            ms.computeIfAbsent(n, k -> new LinkedHashMap<>()).put(label, median(r));
        }
        System.out.printf("%n%-9s %12s %12s %14s %14s %10s%n", "particles", "forward ms", "gemm ms",
                "forward GF/s", "gemm GF/s", "fraction");
        for (var e : ms.entrySet()) {
            int n = e.getKey();
            Double fwd = e.getValue().get("forward");
            Double gemm = e.getValue().get("gemmOnly");
            if (fwd == null || gemm == null) continue;
            double fwdRate = (gemmFlops(CONFIG, n) + attentionFlops(CONFIG, n)) / (fwd * 1e6);
            double gemmRate = gemmFlops(CONFIG, n) / (gemm * 1e6);
            System.out.printf("%-9d %12.3f %12.3f %14.1f %14.1f %10.2f%n", n, fwd, gemm, fwdRate, gemmRate, fwdRate / gemmRate);
        }
    }

    /** Median of the measurement iterations, in milliseconds. */
    private static double median(RunResult r) {
        var stats = r.getPrimaryResult().getStatistics();
        return stats.getPercentile(50);
    }
}
