package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The weights of a DiT, bound by checkpoint key. {@link #parameters} is the one declarative map from
 * checkpoint key to shape; the fields below are named after those keys (dots become camel case) and
 * are filled from it. Binding fails, in one line, on any missing tensor, any unused tensor, and any
 * tensor whose shape disagrees with the config.
 *
 * <p>Bound from a checkpoint, linear weights are uploaded to the backend and packed once; the small
 * condition embedding tables stay on the host, where the per-item token lookup is done. The trainer binds
 * the same fields to its own buffers through a {@link Binder}, so both build the same {@link DiTModules}.
 */
public final class DiTWeights {

    /** The weights of {@code blocks.{i}}. */
    public record Block(
            Linear adaLNModulation1,
            Linear attnQkv,
            Linear attnProj,
            Linear mlpFc1,
            Linear mlpFc2) {}

    public final DiTConfig config;
    /** {@code x_embedder.proj}, stored conv-shaped {@code [D, C, p, p]}, bound as {@code [D, C*p*p]}. */
    public final Linear xEmbedderProj;
    public final Linear tEmbedderMlp0;
    public final Linear tEmbedderMlp2;
    /** {@code d_embedder.mlp.{0,2}}, the step-size embedding of a shortcut model; null for a base model. */
    public final Linear dEmbedderMlp0;
    public final Linear dEmbedderMlp2;
    /**
     * {@code cond_embedder.*.weight} tables ({@code count [max_count+1, D]}, {@code colour}, {@code shape},
     * {@code slot [G, D]}, {@code null [1, D]}): host, row-major, package-private so nothing outside the
     * model can change them after the condition cache has used them.
     */
    final float[] condEmbedderCount;
    final float[] condEmbedderColour;
    final float[] condEmbedderShape;
    final float[] condEmbedderSlot;
    final float[] condEmbedderNull;
    public final Linear yEmbedderMlp0;
    public final Linear yEmbedderMlp2;
    public final List<Block> blocks;
    public final Linear finalLayerAdaLNModulation1;
    public final Linear finalLayerLinear;

    /**
     * Every tensor of a DiT checkpoint for {@code c}, with its stored shape, in a fixed order
     * (the order a trainer should use for its parameter vector).
     */
    public static Map<String, long[]> parameters(DiTConfig c) {
        long d = c.hiddenSize();
        Map<String, long[]> p = new LinkedHashMap<>();
        p.put("x_embedder.proj.weight", new long[] {d, c.inChannels(), c.patchSize(), c.patchSize()});
        p.put("x_embedder.proj.bias", new long[] {d});
        linear(p, "t_embedder.mlp.0", d, c.frequencyEmbeddingSize());
        linear(p, "t_embedder.mlp.2", d, d);
        if (c.shortcut()) {
            linear(p, "d_embedder.mlp.0", d, c.frequencyEmbeddingSize());
            linear(p, "d_embedder.mlp.2", d, d);
        }
        p.put("cond_embedder.count.weight", new long[] {c.maxCount() + 1, d});
        p.put("cond_embedder.colour.weight", new long[] {c.numColours(), d});
        p.put("cond_embedder.shape.weight", new long[] {c.numShapes(), d});
        p.put("cond_embedder.slot.weight", new long[] {c.maxGroups(), d});
        p.put("cond_embedder.null.weight", new long[] {1, d});
        linear(p, "y_embedder.mlp.0", d, d);
        linear(p, "y_embedder.mlp.2", d, d);
        for (int i = 0; i < c.depth(); i++) {
            String b = "blocks." + i + ".";
            linear(p, b + "adaLN_modulation.1", 6 * d, d);
            linear(p, b + "attn.qkv", 3 * d, d);
            linear(p, b + "attn.proj", d, d);
            linear(p, b + "mlp.fc1", c.mlpHidden(), d);
            linear(p, b + "mlp.fc2", d, c.mlpHidden());
        }
        linear(p, "final_layer.adaLN_modulation.1", 2 * d, d);
        linear(p, "final_layer.linear", c.patchFeatures(), d);
        return Collections.unmodifiableMap(p);
    }

    private static void linear(Map<String, long[]> p, String prefix, long out, long in) {
        p.put(prefix + ".weight", new long[] {out, in});
        p.put(prefix + ".bias", new long[] {out});
    }

    /** Number of floats in all parameters of a DiT with config {@code c}. */
    public static long parameterCount(DiTConfig c) {
        long n = 0;
        for (long[] s : parameters(c).values()) n += elements(s);
        return n;
    }

    /**
     * Checks {@code source} against {@link #parameters} and binds it on {@code backend}.
     *
     * @throws CheckpointException naming every missing, unused or mis-shaped tensor
     */
    public static DiTWeights bind(DiTConfig config, TensorSource source, Backend backend) {
        Map<String, long[]> expected = parameters(config);
        validate(expected, source);
        return new DiTWeights(config, new PackedBinder(expected, source, backend));
    }

    /**
     * Binds every key of {@link #parameters} through {@code binder}; the trainer's way to build the model's
     * layers over its own parameter buffers.
     */
    public static DiTWeights bind(DiTConfig config, Binder binder) {
        return new DiTWeights(config, binder);
    }

    /** Makes the layers of a DiT from checkpoint keys. */
    public interface Binder {
        /** The linear layer with weight {@code prefix.weight} and bias {@code prefix.bias}. */
        Linear linear(String prefix);

        /**
         * A host table {@code [rows, D]}, row-major (the condition embedding tables). The trainer hands out host
         * copies it refreshes every step; weights bound that way never reach an inference model, whose
         * condition cache assumes fixed tables.
         */
        float[] table(String name);
    }

    static void validate(Map<String, long[]> expected, TensorSource source) {
        TreeSet<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(source.names());
        TreeSet<String> unused = new TreeSet<>(source.names());
        unused.removeAll(expected.keySet());
        List<String> problems = new ArrayList<>();
        if (!missing.isEmpty()) problems.add("missing tensors " + missing);
        if (!unused.isEmpty()) problems.add("unused tensors " + unused);
        List<String> badShapes = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            String name = e.getKey();
            if (!source.names().contains(name)) continue;
            long[] want = e.getValue();
            long[] have = source.shape(name);
            if (have != null) {
                if (!Arrays.equals(have, want)) {
                    badShapes.add(name + " is " + Arrays.toString(have) + ", expected " + Arrays.toString(want));
                }
            } else {
                float[] data = source.floats(name);
                long n = data == null ? -1 : data.length;
                if (n != elements(want)) {
                    badShapes.add(name + " has " + n + " elements, expected " + elements(want) + " " + Arrays.toString(want));
                }
            }
        }
        if (!badShapes.isEmpty()) problems.add("wrong shapes [" + String.join("; ", badShapes) + "]");
        if (!problems.isEmpty()) {
            throw new CheckpointException("checkpoint " + source.description() + ": " + String.join("; ", problems));
        }
    }

    private DiTWeights(DiTConfig config, Binder b) {
        this.config = config;
        xEmbedderProj = b.linear("x_embedder.proj");
        tEmbedderMlp0 = b.linear("t_embedder.mlp.0");
        tEmbedderMlp2 = b.linear("t_embedder.mlp.2");
        dEmbedderMlp0 = config.shortcut() ? b.linear("d_embedder.mlp.0") : null;
        dEmbedderMlp2 = config.shortcut() ? b.linear("d_embedder.mlp.2") : null;
        condEmbedderCount = b.table("cond_embedder.count.weight");
        condEmbedderColour = b.table("cond_embedder.colour.weight");
        condEmbedderShape = b.table("cond_embedder.shape.weight");
        condEmbedderSlot = b.table("cond_embedder.slot.weight");
        condEmbedderNull = b.table("cond_embedder.null.weight");
        yEmbedderMlp0 = b.linear("y_embedder.mlp.0");
        yEmbedderMlp2 = b.linear("y_embedder.mlp.2");
        List<Block> bl = new ArrayList<>();
        for (int i = 0; i < config.depth(); i++) {
            String p = "blocks." + i + ".";
            bl.add(new Block(
                    b.linear(p + "adaLN_modulation.1"),
                    b.linear(p + "attn.qkv"),
                    b.linear(p + "attn.proj"),
                    b.linear(p + "mlp.fc1"),
                    b.linear(p + "mlp.fc2")));
        }
        blocks = List.copyOf(bl);
        finalLayerAdaLNModulation1 = b.linear("final_layer.adaLN_modulation.1");
        finalLayerLinear = b.linear("final_layer.linear");
    }

    /** Reads tensors by key from the declared map, uploading and packing linear layers. */
    private record PackedBinder(Map<String, long[]> shapes, TensorSource source, Backend backend) implements Binder {
        @Override
        public Linear linear(String prefix) {
            long[] ws = shape(prefix + ".weight");
            long out = ws[0];
            long in = elements(ws) / out; // a conv-shaped [D, C, p, p] weight flattens to [D, C*p*p]
            Tensor w = backend.upload(source.floats(prefix + ".weight"), out, in);
            Tensor bias = backend.upload(source.floats(prefix + ".bias"), out);
            return new PackedLinear(backend.pack(w), bias);
        }

        @Override
        public float[] table(String name) {
            shape(name);
            return source.floats(name).clone();
        }

        private long[] shape(String name) {
            long[] s = shapes.get(name);
            if (s == null) throw new IllegalStateException("key " + name + " is not declared in DiTWeights.parameters");
            return s;
        }
    }

    public static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }
}
