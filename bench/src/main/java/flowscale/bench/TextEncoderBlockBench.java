package flowscale.bench;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.DType;
import flowscale.loader.FloatConversions;
import flowscale.loader.SafetensorsWriter;
import flowscale.runtime.model.clip.ClipTextEncoder;
import flowscale.runtime.model.t5.T5Encoder;
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One real-width layer of FLUX's text encoders with procedural BF16 weights, loaded through the real loader (so
 * the matrices run through the half-weight GEMM as a BF16 checkpoint's do), encoding one prompt:
 * {@code clip-l-77} is a CLIP-L layer (width 768, 12 heads, MLP 3072, 77 tokens), {@code t5-xxl-256/512} a T5-XXL
 * encoder block (d_model 4096, 64 heads of 64, gated-GELU d_ff 10240) over schnell's 256 and dev's 512 tokens.
 * A full pass is estimated as the layer count (12 and 24) times this, which slightly over-counts the embedding
 * lookup and final norm (done once, not per layer). The vocabulary is cut to 1,024 tokens: lookups do not depend
 * on its size.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TextEncoderBlockBench {
    private static final int VOCAB = 1024;

    @Param({"clip-l-77", "t5-xxl-256", "t5-xxl-512"})
    public String layer;

    @Param({"cpu"})
    public String backendName;

    private Path dir;
    private Backend backend;
    private ClipTextEncoder clip;
    private T5Encoder t5;
    private int[][] ids;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("flowscale-text-block");
        backend = Backends.create(backendName);
        SplittableRandom rng = new SplittableRandom(7);
        SafetensorsWriter w = new SafetensorsWriter();
        int tokens;
        if (layer.startsWith("clip")) {
            int d = 768, m = 3072;
            tokens = 77;
            matrix(w, "embeddings.token_embedding.weight", VOCAB, d, rng);
            matrix(w, "embeddings.position_embedding.weight", 77, d, rng);
            String l = "encoder.layers.0.";
            for (String p : new String[] {"q_proj", "k_proj", "v_proj", "out_proj"}) {
                matrix(w, l + "self_attn." + p + ".weight", d, d, rng);
                w.addF32(l + "self_attn." + p + ".bias", new long[] {d}, new float[d]);
            }
            for (String n : new String[] {"layer_norm1", "layer_norm2", "final_layer_norm"}) {
                String key = n.startsWith("final") ? n : l + n;
                w.addF32(key + ".weight", new long[] {d}, ones(d));
                w.addF32(key + ".bias", new long[] {d}, new float[d]);
            }
            matrix(w, l + "mlp.fc1.weight", m, d, rng);
            w.addF32(l + "mlp.fc1.bias", new long[] {m}, new float[m]);
            matrix(w, l + "mlp.fc2.weight", d, m, rng);
            w.addF32(l + "mlp.fc2.bias", new long[] {d}, new float[d]);
            Files.writeString(dir.resolve("config.json"), "{\"hidden_act\": \"quick_gelu\", \"num_attention_heads\": 12, "
                    + "\"hidden_size\": 768, \"intermediate_size\": 3072, \"num_hidden_layers\": 1, \"vocab_size\": " + VOCAB
                    + ", \"max_position_embeddings\": 77, \"layer_norm_eps\": 1e-5, \"eos_token_id\": 2}");
            w.write(dir.resolve("model.safetensors"));
            clip = ClipTextEncoder.load(dir, backend);
        } else {
            int d = 4096, ff = 10240;
            tokens = Integer.parseInt(layer.substring(layer.lastIndexOf('-') + 1));
            matrix(w, "shared.weight", VOCAB, d, rng);
            String b = "encoder.block.0.layer.";
            for (String p : new String[] {"q", "k", "v", "o"}) matrix(w, b + "0.SelfAttention." + p + ".weight", d, d, rng);
            float[] bias = new float[32 * 64];
            for (int i = 0; i < bias.length; i++) bias[i] = (float) rng.nextDouble(-1, 1);
            w.addF32(b + "0.SelfAttention.relative_attention_bias.weight", new long[] {32, 64}, bias);
            w.addF32(b + "0.layer_norm.weight", new long[] {d}, ones(d));
            w.addF32(b + "1.layer_norm.weight", new long[] {d}, ones(d));
            w.addF32("encoder.final_layer_norm.weight", new long[] {d}, ones(d));
            matrix(w, b + "1.DenseReluDense.wi_0.weight", ff, d, rng);
            matrix(w, b + "1.DenseReluDense.wi_1.weight", ff, d, rng);
            matrix(w, b + "1.DenseReluDense.wo.weight", d, ff, rng);
            Files.writeString(dir.resolve("config.json"), "{\"feed_forward_proj\": \"gated-gelu\", \"dense_act_fn\": \"gelu_new\", "
                    + "\"d_model\": 4096, \"num_heads\": 64, \"d_kv\": 64, \"d_ff\": 10240, \"num_layers\": 1, \"vocab_size\": " + VOCAB
                    + ", \"relative_attention_num_buckets\": 32, \"relative_attention_max_distance\": 128}");
            w.write(dir.resolve("model.safetensors"));
            t5 = T5Encoder.load(dir, backend);
        }
        ids = new int[1][tokens];
        for (int s = 0; s < tokens; s++) ids[0][s] = 3 + rng.nextInt(VOCAB - 3);
    }

    /** A BF16 matrix uniform in +-sqrt(3 / in) (unit-variance outputs for unit-variance inputs). */
    private static void matrix(SafetensorsWriter w, String name, int out, int in, SplittableRandom rng) {
        ByteBuffer bytes = ByteBuffer.allocate(2 * out * in).order(ByteOrder.LITTLE_ENDIAN);
        double bound = Math.sqrt(3.0 / in);
        for (long i = 0, n = (long) out * in; i < n; i++) bytes.putShort(FloatConversions.floatToBf16((float) rng.nextDouble(-bound, bound)));
        w.add(name, DType.BF16, new long[] {out, in}, bytes.array());
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    /** Multiply-adds x 2 of the layer's GEMMs and attention products for one prompt (what GFLOP/s are counted in). */
    public double flops() {
        int n = ids[0].length;
        if (clip != null) return 2.0 * n * (4.0 * 768 * 768 + 2.0 * 768 * 3072) + 4.0 * n * n * 768;
        return 2.0 * n * (4.0 * 4096 * 4096 + 3.0 * 4096 * 10240) + 4.0 * n * n * 4096;
    }

    @Benchmark
    public Object encodeOneLayer() {
        return clip != null ? clip.encode(ids) : t5.encode(ids);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (clip != null) clip.close();
        if (t5 != null) t5.close();
        backend.close();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
