package flowscale.runtime.model.flux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.kernels.WeightType;
import flowscale.loader.DType;
import flowscale.loader.SafetensorsException;
import flowscale.loader.TensorInfo;
import flowscale.loader.TensorStore;
import flowscale.runtime.model.CheckpointException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A FLUX.1 transformer checkpoint, recognised and checked: BFL's single file, the same under ComfyUI's
 * {@code model.diffusion_model.} prefix, or a diffusers folder ({@code config.json} with one file or shards).
 * Opening maps the file(s) and reads only headers; the configuration comes from the names and shapes (and a
 * diffusers {@code config.json}); then every missing, unexpected, mis-shaped or unusable tensor is listed in
 * one {@link CheckpointException}. Tensor data are touched only when a model is bound from it.
 */
public final class FluxCheckpoint implements AutoCloseable {
    /** ComfyUI's prefix for the diffusion model inside its single-file checkpoints. */
    public static final String COMFYUI_PREFIX = "model.diffusion_model.";
    private static final String DIFFUSERS_FILE = "diffusion_pytorch_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TensorStore store;
    private final String source;
    private final FluxLayout layout;
    private final String prefix;
    private final FluxConfig config;
    private final Map<String, List<FluxKeyMap.Slice>> keyMap;
    private final int ignored;

    private FluxCheckpoint(TensorStore store, String source, FluxLayout layout, String prefix, FluxConfig config, int ignored) {
        this.store = store;
        this.source = source;
        this.layout = layout;
        this.prefix = prefix;
        this.config = config;
        this.keyMap = FluxKeyMap.of(layout, config);
        this.ignored = ignored;
    }

    /** Opens and checks {@code path}, inferring the RoPE axes (see {@link #open(Path, int[])}). */
    public static FluxCheckpoint open(Path path) {
        return open(path, null);
    }

    /**
     * Opens and checks {@code path} (a {@code .safetensors} file, a shard index {@code .index.json}, or a diffusers
     * folder, also a pipeline folder with a {@code transformer/} subfolder).
     *
     * @param ropeAxes the RoPE axis dims, or null to take them from a diffusers {@code config.json} or a {@code config}
     *                 metadata entry ({@code axes_dims_rope}), else FLUX.1's (16, 56, 56) when the head dim is 128;
     *                 shapes do not show them, and a guess (say, FLUX.1's scaled to the head dim) would rotate the
     *                 wrong pairs, so other head dims need them stated or given
     * @throws CheckpointException one line naming the file and every problem found
     */
    public static FluxCheckpoint open(Path path, int[] ropeAxes) {
        JsonNode diffusersConfig = null;
        Path file = path;
        if (Files.isDirectory(path)) {
            Path dir = Files.isRegularFile(path.resolve("transformer").resolve("config.json")) ? path.resolve("transformer") : path;
            diffusersConfig = readConfig(dir);
            file = diffusersWeights(dir);
        } else if (!Files.isRegularFile(path)) {
            throw new CheckpointException("checkpoint " + path + " does not exist");
        }
        TensorStore store;
        try {
            store = TensorStore.open(file);
        } catch (SafetensorsException e) {
            throw new CheckpointException("checkpoint " + file + " cannot be read: " + e.getMessage(), e);
        }
        try {
            return recognise(store, path.toString(), diffusersConfig, ropeAxes);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static JsonNode readConfig(Path dir) {
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) {
            throw new CheckpointException("folder " + dir + " has no config.json; a FLUX transformer folder is diffusers' "
                    + "(config.json + " + DIFFUSERS_FILE + " or its shards), a single file is BFL's or ComfyUI's");
        }
        try {
            JsonNode node = JSON.readTree(config.toFile());
            String cls = node.path("_class_name").asText("");
            if (!cls.isEmpty() && !cls.equals("FluxTransformer2DModel")) {
                throw new CheckpointException(config + " describes a " + cls + ", not a FluxTransformer2DModel");
            }
            return node;
        } catch (IOException e) {
            throw new CheckpointException(config + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    private static Path diffusersWeights(Path dir) {
        Path index = dir.resolve(DIFFUSERS_FILE + ".index.json");
        if (Files.isRegularFile(index)) return index;
        Path single = dir.resolve(DIFFUSERS_FILE);
        if (Files.isRegularFile(single)) return single;
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> candidates = files.filter(p -> p.getFileName().toString().endsWith(".safetensors.index.json")).toList();
            if (candidates.size() == 1) return candidates.getFirst();
        } catch (IOException e) {
            throw new CheckpointException("folder " + dir + " cannot be listed: " + e.getMessage(), e);
        }
        throw new CheckpointException("folder " + dir + " has a config.json but neither " + DIFFUSERS_FILE + " nor one shard index *.safetensors.index.json");
    }

    private static FluxCheckpoint recognise(TensorStore store, String source, JsonNode diffusersConfig, int[] ropeAxes) {
        TreeMap<String, TensorInfo> all = new TreeMap<>();
        for (TensorInfo t : store.tensors()) all.put(t.name(), t);
        String prefix = "";
        int ignored = 0;
        if (all.keySet().stream().anyMatch(n -> n.startsWith(COMFYUI_PREFIX))) {
            prefix = COMFYUI_PREFIX;
            TreeMap<String, TensorInfo> inner = new TreeMap<>();
            for (TensorInfo t : all.values()) {
                if (t.name().startsWith(prefix)) inner.put(t.name().substring(prefix.length()), t);
            }
            // An all-in-one ComfyUI file also holds the VAE and text encoders under other prefixes: not ours to check.
            ignored = all.size() - inner.size();
            all = inner;
        }
        refuseScaledFp8(all.keySet(), source, prefix);
        FluxLayout layout;
        if (all.containsKey("img_in.weight") || hasBlock(all, "double_blocks.") || hasBlock(all, "single_blocks.")) {
            layout = FluxLayout.BFL;
        } else if (all.containsKey("x_embedder.weight") || hasBlock(all, "transformer_blocks.") || hasBlock(all, "single_transformer_blocks.")) {
            layout = FluxLayout.DIFFUSERS;
        } else {
            throw new CheckpointException("checkpoint " + source + " is not a FLUX.1 transformer: it has neither BFL's names "
                    + "(img_in, double_blocks.N) nor diffusers' (x_embedder, transformer_blocks.N); its first tensors are "
                    + all.keySet().stream().limit(3).toList());
        }
        FluxConfig config = FluxConfigInference.infer(layout, all, diffusersConfig, metadataConfig(store, source), ropeAxes, source);
        validate(source, layout, prefix, config, all);
        return new FluxCheckpoint(store, source, layout, prefix, config, ignored);
    }

    /**
     * ComfyUI's "scaled fp8" files (and later "mixed precision" ones) store {@code weight / scale} in F8 with the
     * scale beside it: a {@code scaled_fp8} marker and per-layer {@code scale_weight}/{@code scale_input} (or
     * {@code weight_scale}/{@code input_scale}) tensors. Read as plain F8 their weights would be off by those
     * factors, so they are recognised and refused rather than reported as unexpected tensors.
     */
    private static void refuseScaledFp8(Set<String> names, String source, String prefix) {
        List<String> scales = names.stream().filter(n -> n.equals("scaled_fp8") || SCALE_SUFFIXES.stream().anyMatch(n::endsWith)).toList();
        if (scales.isEmpty()) return;
        throw new CheckpointException("checkpoint " + source + " is a ComfyUI \"scaled fp8\" file (" + scales.size()
                + " scale tensors such as " + prefix + scales.getFirst() + "), which is not supported: use a plain F8_E4M3, "
                + "BF16 or F16 FLUX.1 checkpoint");
    }

    private static final List<String> SCALE_SUFFIXES = List.of(".scale_weight", ".scale_input", ".weight_scale", ".input_scale");

    /** The file's {@code config} metadata entry as JSON (diffusers-style), or null when there is none. */
    private static JsonNode metadataConfig(TensorStore store, String source) {
        String text = store.metadata().get("config");
        if (text == null) return null;
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new CheckpointException("checkpoint " + source + ": its config metadata is not valid JSON: "
                    + e.getMessage().lines().findFirst().orElse(""), e);
        }
    }

    private static boolean hasBlock(TreeMap<String, TensorInfo> names, String blockPrefix) {
        String first = names.ceilingKey(blockPrefix);
        return first != null && first.startsWith(blockPrefix) && Character.isDigit(first.charAt(blockPrefix.length()));
    }

    private static void validate(String source, FluxLayout layout, String prefix, FluxConfig config, Map<String, TensorInfo> present) {
        Map<String, long[]> expected = FluxKeyMap.storedTensors(FluxKeyMap.of(layout, config));
        TreeSet<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(present.keySet());
        TreeSet<String> unexpected = new TreeSet<>(present.keySet());
        unexpected.removeAll(expected.keySet());
        List<String> shapes = new ArrayList<>(), dtypes = new ArrayList<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TensorInfo t = present.get(e.getKey());
            if (t == null) continue;
            if (!Arrays.equals(t.shape(), e.getValue())) {
                shapes.add(prefix + e.getKey() + " is " + t.shapeString() + ", expected " + Arrays.toString(e.getValue()));
            }
            if (WeightType.of(t.dtype()).isEmpty()) {
                dtypes.add(prefix + e.getKey() + " is " + t.dtype().safetensorsName());
            }
        }
        List<String> problems = new ArrayList<>();
        if (!missing.isEmpty()) problems.add("missing tensors " + withPrefix(prefix, missing));
        if (!unexpected.isEmpty()) problems.add("unexpected tensors " + withPrefix(prefix, unexpected));
        if (!shapes.isEmpty()) problems.add("wrong shapes [" + String.join("; ", shapes) + "]");
        if (!dtypes.isEmpty()) {
            problems.add("dtypes other than F32, BF16, F16 and F8_E4M3 (F8_E5M2 is not supported) [" + String.join("; ", dtypes) + "]");
        }
        if (!problems.isEmpty()) {
            throw new CheckpointException("checkpoint " + source + " (" + layout + " layout, inferred " + config.summary() + "): "
                    + String.join("; ", problems));
        }
    }

    private static List<String> withPrefix(String prefix, TreeSet<String> names) {
        return names.stream().map(n -> prefix + n).toList();
    }

    public FluxLayout layout() { return layout; }

    public FluxConfig config() { return config; }

    /** The file or folder as given. */
    public String source() { return source; }

    /** {@link #COMFYUI_PREFIX} for a ComfyUI file, else empty. */
    public String prefix() { return prefix; }

    /** Tensors outside the prefix of a ComfyUI file (its VAE and text encoders), which the transformer does not use. */
    public int ignoredTensors() { return ignored; }

    /** The key map this checkpoint's layout and configuration give. */
    public Map<String, List<FluxKeyMap.Slice>> keyMap() { return keyMap; }

    /** A stored tensor's header entry, by its unprefixed name. */
    public TensorInfo info(String storedKey) {
        return store.tensor(prefix + storedKey);
    }

    /** A stored tensor's bytes (a zero-copy view of the mapped file), by its unprefixed name. */
    public MemorySegment bytes(String storedKey) {
        return store.bytes(prefix + storedKey);
    }

    /** Bytes of the transformer's stored tensors, per dtype. */
    public Map<DType, Long> bytesByDtype() {
        Map<DType, Long> bytes = new EnumMap<>(DType.class);
        for (String key : FluxKeyMap.storedTensors(keyMap).keySet()) {
            TensorInfo t = info(key);
            bytes.merge(t.dtype(), t.byteSize(), Long::sum);
        }
        return bytes;
    }

    /** One line: what was recognised. */
    public String describe() {
        return source + ": " + config.summary() + "; " + layout + " layout" + (prefix.isEmpty() ? "" : " under " + prefix)
                + (ignored > 0 ? " (" + ignored + " other tensors of the file ignored)" : "");
    }

    /** Unmaps the file(s); models bound from this checkpoint must be closed first. */
    @Override
    public void close() {
        store.close();
    }
}
