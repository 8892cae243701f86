package flowscale.bench;

import flowscale.runtime.text.Tokenizer;
import flowscale.runtime.text.Tokenizers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Tokenizer throughput in prompts per second, single thread, as the FLUX pipeline uses the two tokenizers: CLIP
 * padded to 77 tokens, T5 padded to 256 (schnell's length). Prompts are 8 to 40 words drawn from a fixed list
 * with capitals, punctuation and a few non-ASCII words, so after the first pass CLIP's per-word cache answers
 * most words, as it does for a real prompt stream; {@code freshWords} defeats that cache with unseen words.
 * Run from the repository root: the vocabularies are read from runtime's test resources.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1)
@State(Scope.Benchmark)
public class TokenizerBench {
    private static final int PROMPTS = 256;
    private static final String[] WORDS = ("a an the red blue green yellow cat dog horse astronaut riding photo of in on at with "
            + "two three small large painting oil watercolor city night sunset mountain lake forest portrait woman man "
            + "robot castle field high quality detailed 4k cinematic lighting studio ghibli style neon glowing sign "
            + "reading, Majestic, ultra-realistic; café naïve Ünïcödé ＦＵＬＬ 日本語 🚀 \"FLUX\" it's (bokeh) 8K!").split(" ");

    @Param("runtime/src/test/resources/text/clip-tokenizer")
    String clipDir;

    @Param("runtime/src/test/resources/text/t5-tiny-tokenizer")
    String t5Dir;

    private Tokenizer clip;
    private Tokenizer t5;
    private String[] prompts;
    private Random fresh;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        clip = Tokenizers.load(Path.of(clipDir));
        t5 = Tokenizers.load(Path.of(t5Dir));
        prompts = prompts(PROMPTS);
        fresh = new Random(11);
    }

    /** {@code count} prompts of 8 to 40 words from the fixed list, the same every run. */
    static String[] prompts(int count) {
        Random rng = new Random(7);
        String[] out = new String[count];
        for (int p = 0; p < count; p++) {
            StringBuilder b = new StringBuilder();
            int n = 8 + rng.nextInt(33);
            for (int w = 0; w < n; w++) b.append(w == 0 ? "" : " ").append(WORDS[rng.nextInt(WORDS.length)]);
            out[p] = b.toString();
        }
        return out;
    }

    /** A prompt of 20 random lower-case "words", almost surely never seen before. */
    static String freshWords(Random rng) {
        StringBuilder b = new StringBuilder();
        for (int w = 0; w < 20; w++) {
            if (w > 0) b.append(' ');
            int len = 3 + rng.nextInt(8);
            for (int i = 0; i < len; i++) b.append((char) ('a' + rng.nextInt(26)));
        }
        return b.toString();
    }

    @Benchmark
    @OperationsPerInvocation(PROMPTS)
    public void clip77(Blackhole bh) {
        for (String p : prompts) bh.consume(clip.encode(p, 77));
    }

    @Benchmark
    @OperationsPerInvocation(PROMPTS)
    public void t5Padded256(Blackhole bh) {
        for (String p : prompts) bh.consume(t5.encode(p, 256));
    }

    /** One prompt of 20 random lower-case "words" never seen before: the BPE merges run every time. */
    @Benchmark
    public int[] clip77FreshWords() {
        return clip.encode(freshWords(fresh), 77);
    }
}
