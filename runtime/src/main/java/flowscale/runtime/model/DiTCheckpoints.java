package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.loader.DType;
import flowscale.loader.SafetensorsException;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.ShardedCheckpoint;
import flowscale.loader.TensorInfo;
import flowscale.loader.TensorStore;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * DiT checkpoints as safetensors files: the config in {@code __metadata__}, one tensor per key of
 * {@link DiTWeights#parameters}. Reading accepts F32, BF16 and F16 tensors (converted to float32);
 * writing stores F32.
 */
public final class DiTCheckpoints {
    private static final Set<DType> ACCEPTED = Set.of(DType.F32, DType.BF16, DType.F16);

    private DiTCheckpoints() {}

    /** The config stored in a checkpoint's metadata. */
    public static DiTConfig readConfig(Path checkpoint) {
        try (TensorStore file = TensorStore.open(checkpoint)) {
            return config(file, checkpoint);
        }
    }

    /**
     * Reads and binds a checkpoint on {@code backend}.
     *
     * @throws CheckpointException for bad metadata, missing, unused or mis-shaped tensors, or other dtypes
     * @throws SafetensorsException for a file that is not valid safetensors
     */
    public static DiTWeights read(Path checkpoint, Backend backend) {
        try (TensorStore file = TensorStore.open(checkpoint)) {
            DiTConfig config = config(file, checkpoint);
            return DiTWeights.bind(config, source(file, checkpoint), backend);
        }
    }

    /**
     * Reads a checkpoint's tensors to the host as float32, by key, checked as {@link #read} checks them (the trainer's
     * way to start from trained weights).
     */
    public static Map<String, float[]> readTensors(Path checkpoint) {
        try (TensorStore file = TensorStore.open(checkpoint)) {
            DiTConfig config = config(file, checkpoint);
            TensorSource source = source(file, checkpoint);
            Map<String, long[]> expected = DiTWeights.parameters(config);
            DiTWeights.validate(expected, source);
            Map<String, float[]> out = new LinkedHashMap<>();
            for (String name : expected.keySet()) out.put(name, source.floats(name));
            return out;
        }
    }

    /** The file's tensors by name; fails on any dtype the reader does not convert. */
    private static TensorSource source(TensorStore file, Path checkpoint) {
        Map<String, TensorInfo> infos = new LinkedHashMap<>();
        for (TensorInfo t : file.tensors()) infos.put(t.name(), t);
        TreeSet<String> badTypes = new TreeSet<>();
        for (TensorInfo t : infos.values()) {
            if (!ACCEPTED.contains(t.dtype())) badTypes.add(t.name() + " " + t.dtype().safetensorsName());
        }
        if (!badTypes.isEmpty()) {
            throw new CheckpointException("checkpoint " + checkpoint + ": tensors of unsupported dtype " + badTypes
                    + " (accepted: F32, BF16, F16)");
        }
        return new TensorSource() {
            @Override public String description() { return checkpoint.toString(); }
            @Override public Set<String> names() { return infos.keySet(); }
            @Override public long[] shape(String name) { return infos.get(name).shape(); }
            @Override public float[] floats(String name) { return finite(checkpoint, name, file.toFloatArray(name)); }
        };
    }

    /**
     * Sizes no checkpoint of this family has: the metadata of a damaged or foreign file would otherwise size
     * position tables and workspaces past int range or memory, and fail far from the cause.
     */
    private static DiTConfig plausible(DiTConfig c) {
        bound("image_size", c.imageSize(), 4096);
        bound("in_channels", c.inChannels(), 64);
        bound("patch_size", c.patchSize(), 64);
        bound("hidden_size", c.hiddenSize(), 1 << 15);
        bound("depth", c.depth(), 1024);
        bound("num_heads", c.numHeads(), 1024);
        bound("frequency_embedding_size", c.frequencyEmbeddingSize(), 1 << 15);
        bound("max_groups", c.maxGroups(), 1024);
        bound("max_count", c.maxCount(), 1 << 16);
        bound("num_colours", c.numColours(), 1 << 16);
        bound("num_shapes", c.numShapes(), 1 << 16);
        bound("image tokens ((image_size / patch_size)^2)", c.imageTokens(), 1 << 16);
        if (c.mlpRatio() > 64) throw new IllegalArgumentException("mlp_ratio " + c.mlpRatio() + " is above 64");
        return c;
    }

    private static void bound(String key, long value, long max) {
        if (value > max) throw new IllegalArgumentException(key + " " + value + " is above " + max + " (a damaged or foreign checkpoint?)");
    }

    /** A NaN or infinite weight would only show as non-finite samples after a whole search: refuse it at load. */
    private static float[] finite(Path checkpoint, String name, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new CheckpointException("checkpoint " + checkpoint + ": tensor " + name + " holds " + values[i]
                        + " at element " + i + " (weights must be finite)");
            }
        }
        return values;
    }

    /** The config from the file's metadata; for a sharded checkpoint, from the index's or else the first shard's. */
    private static DiTConfig config(TensorStore file, Path checkpoint) {
        java.util.Map<String, String> metadata = file.metadata();
        if (file instanceof ShardedCheckpoint sharded && !metadata.containsKey(DiTConfig.ARCH_KEY) && !sharded.shards().isEmpty()) {
            metadata = sharded.shards().values().iterator().next().metadata();
        }
        try {
            return plausible(DiTConfig.fromMetadata(metadata));
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
    }

    /**
     * Random weights for {@code config}, every tensor non-zero, scaled so activations and the output
     * velocity stay O(1): linear weights N(0, 1/in), biases N(0, 0.02^2), embedding tables N(0, 0.5^2).
     * (A training run starts differently: adaLN-Zero zero-initialises the modulation and output layers.)
     */
    public static Map<String, float[]> randomWeights(DiTConfig config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : DiTWeights.parameters(config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            int n = Math.toIntExact(DiTWeights.elements(shape));
            double std;
            if (name.startsWith("cond_embedder.")) {
                std = 0.5;
            } else if (name.endsWith(".bias")) {
                std = 0.02;
            } else {
                std = 1.0 / Math.sqrt((double) n / shape[0]);
            }
            float[] data = new float[n];
            for (int i = 0; i < n; i++) {
                float v;
                do {
                    v = (float) (rng.nextGaussian() * std);
                } while (v == 0f);
                data[i] = v;
            }
            out.put(name, data);
        }
        return out;
    }

    /** Writes a random-weight checkpoint (see {@link #randomWeights}) to {@code out}. */
    public static void random(DiTConfig config, long seed, Path out) {
        write(config, randomWeights(config, seed), out);
    }

    /**
     * Writes {@code weights} (every key of {@link DiTWeights#parameters}, nothing else) as an F32 checkpoint
     * with the config as metadata. The file appears complete or not at all.
     */
    public static void write(DiTConfig config, Map<String, float[]> weights, Path out) {
        Map<String, long[]> shapes = DiTWeights.parameters(config);
        TreeSet<String> missing = new TreeSet<>(shapes.keySet());
        missing.removeAll(weights.keySet());
        TreeSet<String> unused = new TreeSet<>(weights.keySet());
        unused.removeAll(shapes.keySet());
        if (!missing.isEmpty() || !unused.isEmpty()) {
            throw new CheckpointException("cannot write " + out + ": missing tensors " + missing + "; unused tensors " + unused);
        }
        SafetensorsWriter writer = new SafetensorsWriter();
        config.toMetadata().forEach(writer::metadata);
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            float[] data = weights.get(e.getKey());
            if (data.length != DiTWeights.elements(e.getValue())) {
                throw new CheckpointException("cannot write " + out + ": " + e.getKey() + " has " + data.length
                        + " elements, expected " + DiTWeights.elements(e.getValue()));
            }
            writer.addF32(e.getKey(), e.getValue(), data);
        }
        writer.write(out); // the writer writes beside the target and renames atomically
    }
}
