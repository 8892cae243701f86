package flowscale.bench;

import flowscale.runtime.data.Vocabulary;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DeviceSpec;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.model.MultiDeviceModel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Wall time of one DiT forward pass ({@link MultiDeviceModel#velocity}, no guidance) for several placements
 * of the same random model, measured <em>interleaved</em>: every round times each placement once, in turn,
 * so a change in the machine's load hits all of them alike, and the ratio to the first placement is taken
 * within each round. Prints the median and minimum time per placement and the median of the per-round
 * ratios. A JMH run of one placement after another would compare different moments of a shared machine.
 *
 * <p>The model is the shipped size from {@link DiTConfig#of}: hidden 256, depth 6, 4 heads, MLP ratio 4,
 * patch 4, 32x32 RGB. A placement is a device list with {@code +} between devices (so that it fits in
 * one argument): {@code cpu}, {@code opencl}, {@code cpu:2}, {@code cpu:1+cpu:1}.
 *
 * <p>Run (PoCL needs libjsig preloaded): {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so java --add-modules
 * jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * flowscale.bench.DevicePlacementBench PARTICLES ROUNDS PLACEMENT PLACEMENT...}
 */
public final class DevicePlacementBench {
    static final DiTConfig CONFIG = DiTConfig.of(256, 6, 4, 4.0, Vocabulary.COLOURS, Vocabulary.SHAPES);
    private static final int WARMUP_CALLS = 5;

    private DevicePlacementBench() {}

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: DevicePlacementBench PARTICLES ROUNDS PLACEMENT PLACEMENT... (devices joined by +)");
            System.exit(2);
        }
        int particles = Integer.parseInt(args[0]);
        int rounds = Integer.parseInt(args[1]);
        List<String> placements = Arrays.asList(args).subList(2, args.length);

        Map<String, float[]> weights = DiTCheckpoints.randomWeights(CONFIG, 1);
        int dim = CONFIG.imageFloats();
        SplittableRandom rng = new SplittableRandom(2);
        float[][] x = new float[particles][dim];
        double[] t = new double[particles];
        Condition[] cond = new Condition[particles];
        for (int i = 0; i < particles; i++) {
            for (int j = 0; j < dim; j++) x[i][j] = (float) rng.nextGaussian();
            t[i] = rng.nextDouble();
            cond[i] = new Condition("2 red circles and 1 blue square", new int[][] {{2, 0, 0}, {1, 2, 1}});
        }
        float[][] out = new float[particles][dim];

        List<MultiDeviceModel> models = new ArrayList<>();
        try {
            for (String p : placements) {
                models.add(MultiDeviceModel.fromWeights(CONFIG, weights, DeviceSpec.parseList(p.replace('+', ',')), 1.0, 64));
            }
            for (MultiDeviceModel m : models) {
                for (int i = 0; i < WARMUP_CALLS; i++) m.velocity(particles, x, t, cond, out);
            }
            double[][] ms = new double[models.size()][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int p = 0; p < models.size(); p++) {
                    long t0 = System.nanoTime();
                    models.get(p).velocity(particles, x, t, cond, out);
                    ms[p][r] = (System.nanoTime() - t0) / 1e6;
                }
            }
            print(particles, rounds, placements, ms);
        } finally {
            for (MultiDeviceModel m : models) m.close();
        }
    }

    private static void print(int particles, int rounds, List<String> placements, double[][] ms) {
        System.out.printf(Locale.ROOT, "DiT D=%d depth=%d heads=%d, %d particles, %d interleaved rounds after %d warm-up calls%n",
                CONFIG.hiddenSize(), CONFIG.depth(), CONFIG.numHeads(), particles, rounds, WARMUP_CALLS);
        System.out.println("| placement | median ms | min ms | median ratio to " + placements.getFirst() + " (per round) |");
        System.out.println("|---|---:|---:|---:|");
        for (int p = 0; p < placements.size(); p++) {
            double[] ratio = new double[rounds];
            for (int r = 0; r < rounds; r++) ratio[r] = ms[p][r] / ms[0][r];
            double[] sorted = ms[p].clone();
            Arrays.sort(sorted);
            System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.2f |%n", placements.get(p).replace('+', ','),
                    median(ms[p]), sorted[0], median(ratio));
        }
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
    }
}
