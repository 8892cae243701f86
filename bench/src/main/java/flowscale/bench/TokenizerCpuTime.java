package flowscale.bench;

import flowscale.runtime.text.Tokenizer;
import flowscale.runtime.text.Tokenizers;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

/**
 * A companion to {@link TokenizerBench} for a shared machine: the same workloads in prompts per CPU-second of
 * the calling thread, so time spent descheduled by other processes does not count; median of 7 repetitions
 * after a warm-up. Run from the repository root (the vocabularies are runtime's test resources):
 * {@code java -cp bench/target/benchmarks.jar flowscale.bench.TokenizerCpuTime}
 */
public final class TokenizerCpuTime {
    private static final int REPS = 7;
    private static final int PROMPTS = 256;
    private static final int ROUNDS = 20;

    private TokenizerCpuTime() {}

    public static void main(String[] args) throws IOException {
        Tokenizer clip = Tokenizers.load(Path.of("runtime/src/test/resources/text/clip-tokenizer"));
        Tokenizer t5 = Tokenizers.load(Path.of("runtime/src/test/resources/text/t5-tiny-tokenizer"));
        String[] prompts = TokenizerBench.prompts(PROMPTS);
        Random fresh = new Random(11);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        System.out.println("| workload | prompts / CPU-second (median of " + REPS + ") |");
        System.out.println("|---|---:|");
        report(mx, "clip77", () -> { for (String p : prompts) clip.encode(p, 77); }, PROMPTS);
        report(mx, "clip77FreshWords", () -> { for (int i = 0; i < PROMPTS; i++) clip.encode(TokenizerBench.freshWords(fresh), 77); }, PROMPTS);
        report(mx, "t5Padded256", () -> { for (String p : prompts) t5.encode(p, 256); }, PROMPTS);
    }

    private static void report(ThreadMXBean mx, String name, Runnable batch, int perBatch) {
        for (int i = 0; i < ROUNDS; i++) batch.run();
        double[] rates = new double[REPS];
        for (int r = 0; r < REPS; r++) {
            long t0 = mx.getCurrentThreadCpuTime();
            for (int i = 0; i < ROUNDS; i++) batch.run();
            long t1 = mx.getCurrentThreadCpuTime();
            rates[r] = perBatch * (double) ROUNDS / ((t1 - t0) / 1e9);
        }
        Arrays.sort(rates);
        System.out.printf("| %s | %,.0f |%n", name, rates[REPS / 2]);
    }
}
