package flowscale.runtime.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The hyper-parameters of a DiT velocity model, as stored in a checkpoint's safetensors
 * {@code __metadata__} (every value a string). Validated on construction, so a model built from a
 * config never has to re-check its own sizes.
 *
 * @param extra    keys of the metadata this record does not interpret (training information, model card
 *                 notes); carried unchanged from {@link #fromMetadata} to {@link #toMetadata}
 * @param shortcut a few-step (shortcut) model (Frans et al. 2024): a step-size input {@code d} embedded by
 *                 {@code d_embedder} beside the timestep; metadata {@code shortcut: true}. A base checkpoint has no
 *                 such key (and no {@code d_embedder} tensors), so it reads as {@code false}.
 */
public record DiTConfig(
        int imageSize,
        int inChannels,
        int patchSize,
        int hiddenSize,
        int depth,
        int numHeads,
        double mlpRatio,
        int frequencyEmbeddingSize,
        int maxGroups,
        int maxCount,
        int numColours,
        int numShapes,
        Map<String, String> extra,
        boolean shortcut) {

    public static final String ARCH_KEY = "flowscale.arch";
    public static final String ARCH = "dit";
    /** The metadata key of {@link #shortcut}, written only when true so that base checkpoints stay as they were. */
    public static final String SHORTCUT_KEY = "shortcut";

    /** The metadata keys this record reads, in the order they are written. */
    public static final String[] KEYS = {
        "image_size", "in_channels", "patch_size", "hidden_size", "depth", "num_heads", "mlp_ratio",
        "frequency_embedding_size", "max_groups", "max_count", "num_colours", "num_shapes"};

    public DiTConfig {
        positive("image_size", imageSize);
        positive("in_channels", inChannels);
        positive("patch_size", patchSize);
        positive("hidden_size", hiddenSize);
        positive("depth", depth);
        positive("num_heads", numHeads);
        positive("frequency_embedding_size", frequencyEmbeddingSize);
        positive("max_groups", maxGroups);
        positive("max_count", maxCount);
        positive("num_colours", numColours);
        positive("num_shapes", numShapes);
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        }
        if (hiddenSize % numHeads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_heads " + numHeads);
        }
        // The 2-D sin-cos position table splits the width in two halves, each a sin half and a cos half.
        if (hiddenSize % 4 != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of 4 (2-D sin-cos position embedding)");
        }
        if (!(mlpRatio > 0) || Double.isInfinite(mlpRatio) || (int) (hiddenSize * mlpRatio) < 1) {
            throw new IllegalArgumentException("mlp_ratio " + mlpRatio + " must be positive and give an MLP width of at least 1");
        }
        extra = Map.copyOf(extra == null ? Map.of() : extra);
        for (String k : KEYS) {
            if (extra.containsKey(k)) throw new IllegalArgumentException("extra metadata repeats the config key " + k);
        }
        if (extra.containsKey(ARCH_KEY)) throw new IllegalArgumentException("extra metadata repeats " + ARCH_KEY);
        if (extra.containsKey(SHORTCUT_KEY)) throw new IllegalArgumentException("extra metadata repeats " + SHORTCUT_KEY);
    }

    /** A base (not shortcut) model: the configuration every checkpoint had before the step-size input. */
    public DiTConfig(int imageSize, int inChannels, int patchSize, int hiddenSize, int depth, int numHeads, double mlpRatio,
                     int frequencyEmbeddingSize, int maxGroups, int maxCount, int numColours, int numShapes,
                     Map<String, String> extra) {
        this(imageSize, inChannels, patchSize, hiddenSize, depth, numHeads, mlpRatio, frequencyEmbeddingSize, maxGroups,
                maxCount, numColours, numShapes, extra, false);
    }

    /** A config with the shapes-world defaults (32x32 RGB, patch 4, 3 groups of up to 4 objects, 256 frequencies). */
    public static DiTConfig of(int hiddenSize, int depth, int numHeads, double mlpRatio, int numColours, int numShapes) {
        return new DiTConfig(32, 3, 4, hiddenSize, depth, numHeads, mlpRatio, 256, 3, 4, numColours, numShapes, Map.of());
    }

    /** The same config with other extra metadata. */
    public DiTConfig withExtra(Map<String, String> newExtra) {
        return new DiTConfig(imageSize, inChannels, patchSize, hiddenSize, depth, numHeads, mlpRatio,
                frequencyEmbeddingSize, maxGroups, maxCount, numColours, numShapes, newExtra, shortcut);
    }

    /** The same config with or without the step-size input. */
    public DiTConfig withShortcut(boolean on) {
        return new DiTConfig(imageSize, inChannels, patchSize, hiddenSize, depth, numHeads, mlpRatio,
                frequencyEmbeddingSize, maxGroups, maxCount, numColours, numShapes, extra, on);
    }

    /** Patches per side. */
    public int gridSize() { return imageSize / patchSize; }

    /** Image tokens per item. */
    public int imageTokens() { return gridSize() * gridSize(); }

    /** Tokens per item in the joint sequence: the condition slots, then the image tokens. */
    public int sequenceLength() { return maxGroups + imageTokens(); }

    /** Features of one patch, {@code C * p * p}. */
    public int patchFeatures() { return inChannels * patchSize * patchSize; }

    /** Floats in one image, {@code C * H * W}. */
    public int imageFloats() { return inChannels * imageSize * imageSize; }

    public int headDim() { return hiddenSize / numHeads; }

    /** Width of the MLP hidden layer, {@code int(hidden_size * mlp_ratio)} as in DiT. */
    public int mlpHidden() { return (int) (hiddenSize * mlpRatio); }

    /**
     * Reads a config from safetensors metadata. A missing key, a wrong architecture or a value that is
     * not a number gives a one-line {@link IllegalArgumentException} naming the key.
     */
    public static DiTConfig fromMetadata(Map<String, String> metadata) {
        if (metadata == null) throw new IllegalArgumentException("checkpoint has no __metadata__ (expected " + ARCH_KEY + "=" + ARCH + ")");
        String arch = metadata.get(ARCH_KEY);
        if (arch == null) throw new IllegalArgumentException("metadata key " + ARCH_KEY + " is missing (expected " + ARCH + ")");
        if (!arch.equals(ARCH)) throw new IllegalArgumentException("metadata key " + ARCH_KEY + " is '" + arch + "', expected '" + ARCH + "'");
        Map<String, String> extra = new TreeMap<>(metadata);
        extra.remove(ARCH_KEY);
        extra.remove(SHORTCUT_KEY);
        for (String k : KEYS) extra.remove(k);
        return new DiTConfig(
                intKey(metadata, "image_size"),
                intKey(metadata, "in_channels"),
                intKey(metadata, "patch_size"),
                intKey(metadata, "hidden_size"),
                intKey(metadata, "depth"),
                intKey(metadata, "num_heads"),
                doubleKey(metadata, "mlp_ratio"),
                intKey(metadata, "frequency_embedding_size"),
                intKey(metadata, "max_groups"),
                intKey(metadata, "max_count"),
                intKey(metadata, "num_colours"),
                intKey(metadata, "num_shapes"),
                extra,
                booleanKey(metadata, SHORTCUT_KEY));
    }

    /** The metadata that {@link #fromMetadata} reads back to this config (architecture key first, then extras). */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(ARCH_KEY, ARCH);
        m.put("image_size", Integer.toString(imageSize));
        m.put("in_channels", Integer.toString(inChannels));
        m.put("patch_size", Integer.toString(patchSize));
        m.put("hidden_size", Integer.toString(hiddenSize));
        m.put("depth", Integer.toString(depth));
        m.put("num_heads", Integer.toString(numHeads));
        m.put("mlp_ratio", formatRatio(mlpRatio));
        m.put("frequency_embedding_size", Integer.toString(frequencyEmbeddingSize));
        m.put("max_groups", Integer.toString(maxGroups));
        m.put("max_count", Integer.toString(maxCount));
        m.put("num_colours", Integer.toString(numColours));
        m.put("num_shapes", Integer.toString(numShapes));
        if (shortcut) m.put(SHORTCUT_KEY, "true");
        new TreeMap<>(extra).forEach(m::put);
        return m;
    }

    private static String formatRatio(double r) {
        return r == Math.rint(r) && Math.abs(r) < 1e9 ? Long.toString((long) r) : Double.toString(r);
    }

    private static String value(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) throw new IllegalArgumentException("metadata key " + key + " is missing");
        return v.strip();
    }

    private static int intKey(Map<String, String> m, String key) {
        String v = value(m, key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata key " + key + " is '" + v + "', not an integer");
        }
    }

    /** An optional flag: absent is false; present it must be {@code true} or {@code false}. */
    private static boolean booleanKey(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) return false;
        return switch (v.strip()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("metadata key " + key + " is '" + v + "', not true or false");
        };
    }

    private static double doubleKey(Map<String, String> m, String key) {
        String v = value(m, key);
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) throw new NumberFormatException();
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata key " + key + " is '" + v + "', not a finite number");
        }
    }

    private static void positive(String key, int v) {
        if (v <= 0) throw new IllegalArgumentException("metadata key " + key + " must be positive, got " + v);
    }
}
