package flowscale.runtime.model.vae;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.kernels.WeightType;
import flowscale.loader.DType;
import flowscale.loader.TensorInfo;
import flowscale.loader.TensorStore;
import flowscale.runtime.model.CheckpointException;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The recogniser of VAE checkpoints: BFL's single file ({@code decoder.conv_in...}, with or without the
 * {@code encoder.} half) or diffusers' {@code AutoencoderKL} folder ({@code config.json} +
 * {@code diffusion_pytorch_model.safetensors} or its sharded index; a pipeline folder's {@code vae/} is found).
 * The decoder's configuration is inferred
 * from tensor names and shapes (diffusers' {@code config.json} adds the latent scaling and group count and
 * must agree), then every tensor is checked against {@link DecoderParameters}: all missing, mis-shaped,
 * unexpected and unsupported-dtype tensors are listed in one message. Nothing is read but the header: the
 * tensors stay mapped until {@link #close}, and the decoder reads them in place.
 */
public final class VaeCheckpoint implements AutoCloseable {
    static final String DIFFUSERS_CONFIG = "config.json";
    static final String DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors";
    private static final String CONV_IN = "decoder.conv_in.weight";
    private static final Set<DType> ACCEPTED = Set.of(DType.F32, DType.BF16, DType.F16);

    private final String source;
    private final TensorStore store;
    private final VaeLayout layout;
    private final VaeConfig config;

    private VaeCheckpoint(String source, TensorStore store, VaeLayout layout, VaeConfig config) {
        this.source = source;
        this.store = store;
        this.layout = layout;
        this.config = config;
    }

    /**
     * Opens and checks a VAE checkpoint.
     *
     * @throws CheckpointException (one line) for anything that is not a complete VAE decoder
     * @throws flowscale.loader.SafetensorsException for a file that is not valid safetensors
     */
    public static VaeCheckpoint open(Path path) {
        if (Files.isDirectory(path)) return openDiffusers(path);
        TensorStore store = TensorStore.open(path);
        try {
            VaeLayout layout = recognise(store, path.toString());
            VaeConfig config = infer(store, layout, path.toString(), null);
            check(store, layout, config, path.toString());
            return new VaeCheckpoint(path.toString(), store, layout, config);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static VaeCheckpoint openDiffusers(Path dir) {
        // A whole diffusers pipeline (FLUX.1-schnell/) keeps its VAE in the vae/ subfolder.
        if (!Files.isRegularFile(dir.resolve(DIFFUSERS_CONFIG)) && Files.isRegularFile(dir.resolve("vae").resolve(DIFFUSERS_CONFIG))) {
            dir = dir.resolve("vae");
        }
        Path configFile = dir.resolve(DIFFUSERS_CONFIG);
        Path weights = dir.resolve(DIFFUSERS_WEIGHTS);
        Path index = dir.resolve(DIFFUSERS_WEIGHTS + ".index.json");
        if (!Files.isRegularFile(configFile)) {
            throw new CheckpointException("folder " + dir + " is not a diffusers AutoencoderKL: it has no " + DIFFUSERS_CONFIG);
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(configFile.toFile());
        } catch (IOException e) {
            throw new CheckpointException(configFile + " is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""), e);
        }
        String cls = json.path("_class_name").asText("AutoencoderKL");
        if (!cls.equals("AutoencoderKL")) {
            throw new CheckpointException("folder " + dir + " holds a diffusers " + cls + ", not an AutoencoderKL (a VAE)");
        }
        if (json.path("use_post_quant_conv").asBoolean(false)) {
            throw new CheckpointException("VAE " + dir + " uses a post_quant_conv, which FLUX's VAE does not have and flowscale does not apply");
        }
        Path file = Files.isRegularFile(weights) ? weights : Files.isRegularFile(index) ? index : null;
        if (file == null) {
            throw new CheckpointException("folder " + dir + " has no " + DIFFUSERS_WEIGHTS + " (nor its .index.json)");
        }
        TensorStore store = TensorStore.open(file);
        try {
            VaeLayout layout = recognise(store, dir.toString());
            if (layout != VaeLayout.DIFFUSERS) {
                throw new CheckpointException("VAE " + dir + ": " + file.getFileName() + " has BFL tensor names in a diffusers folder");
            }
            VaeConfig config = infer(store, layout, dir.toString(), json);
            check(store, layout, config, dir.toString());
            return new VaeCheckpoint(dir.toString(), store, layout, config);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    private static VaeLayout recognise(TensorStore store, String source) {
        if (store.find(CONV_IN).isEmpty()) {
            String what = store.tensors().stream().anyMatch(t -> t.name().contains("double_blocks."))
                    ? "a FLUX transformer" : store.tensors().stream().anyMatch(t -> t.name().startsWith("blocks."))
                    ? "a DiT" : "not a VAE";
            throw new CheckpointException(source + " is " + what + ", not a VAE decoder: it has no " + CONV_IN + " ("
                    + store.tensors().size() + " tensors" + sample(store) + ")");
        }
        return store.tensors().stream().anyMatch(t -> t.name().startsWith("decoder.mid_block.") || t.name().startsWith("decoder.up_blocks."))
                ? VaeLayout.DIFFUSERS : VaeLayout.BFL;
    }

    private static String sample(TensorStore store) {
        List<TensorInfo> all = store.tensors();
        if (all.isEmpty()) return "";
        return ", e.g. " + all.stream().limit(3).map(TensorInfo::name).collect(Collectors.joining(", "));
    }

    private static final Pattern BFL_LEVEL = Pattern.compile("^decoder\\.up\\.(\\d+)\\.");
    private static final Pattern DIFFUSERS_LEVEL = Pattern.compile("^decoder\\.up_blocks\\.(\\d+)\\.");

    /** The config from shapes: levels and blocks counted from the names, channels read off the weights. */
    private static VaeConfig infer(TensorStore store, VaeLayout layout, String source, JsonNode json) {
        long[] convIn = store.tensor(CONV_IN).shape();
        if (convIn.length != 4) {
            throw new CheckpointException("VAE " + source + ": " + CONV_IN + " has shape " + Arrays.toString(convIn) + ", expected [C, z, 3, 3]");
        }
        Pattern levelPattern = layout == VaeLayout.BFL ? BFL_LEVEL : DIFFUSERS_LEVEL;
        int levels = 1 + maxIndex(store, levelPattern);
        if (levels < 1) throw new CheckpointException("VAE " + source + ": no decoder up blocks (decoder.up.N / decoder.up_blocks.N)");
        String finest = layout == VaeLayout.BFL ? "decoder.up.0.block." : "decoder.up_blocks." + (levels - 1) + ".resnets.";
        int blocks = 1 + maxIndex(store, Pattern.compile("^" + Pattern.quote(finest) + "(\\d+)\\."));
        if (blocks < 1) throw new CheckpointException("VAE " + source + ": no res blocks under " + finest);
        int[] channels = new int[levels];
        for (int level = 0; level < levels; level++) {
            String key = layout.key("decoder.up." + level + ".block.0.conv1.weight", levels);
            TensorInfo t = store.find(key).orElseThrow(() -> new CheckpointException("VAE " + source + ": missing " + key
                    + ", needed to infer the channels of level"));
            channels[level] = Math.toIntExact(t.dim(0));
        }
        int out = Math.toIntExact(store.find("decoder.conv_out.weight").orElseThrow(() -> new CheckpointException(
                "VAE " + source + ": missing decoder.conv_out.weight")).dim(0));
        int groups = VaeConfig.BFL_GROUPS;
        double scale = VaeConfig.FLUX_SCALE_FACTOR, shift = VaeConfig.FLUX_SHIFT_FACTOR;
        if (json != null) {
            groups = json.path("norm_num_groups").asInt(VaeConfig.BFL_GROUPS);
            // diffusers' own defaults when the keys are absent (scaling 0.18215, no shift): SD-style VAEs
            scale = json.path("scaling_factor").isNumber() ? json.get("scaling_factor").asDouble() : 0.18215;
            shift = json.path("shift_factor").isNumber() ? json.get("shift_factor").asDouble() : 0.0;
            List<String> disagree = new ArrayList<>();
            agree(disagree, json, "latent_channels", (int) convIn[1]);
            agree(disagree, json, "layers_per_block", blocks - 1);
            agree(disagree, json, "out_channels", out);
            if (json.has("block_out_channels")) {
                int[] declared = new int[json.get("block_out_channels").size()];
                for (int i = 0; i < declared.length; i++) declared[i] = json.get("block_out_channels").get(i).asInt();
                if (!Arrays.equals(declared, channels)) disagree.add("block_out_channels " + Arrays.toString(declared) + " vs " + Arrays.toString(channels));
            }
            if (!disagree.isEmpty()) {
                throw new CheckpointException("VAE " + source + ": config.json disagrees with the tensor shapes: " + String.join("; ", disagree));
            }
        }
        try {
            return new VaeConfig((int) convIn[1], channels, blocks - 1, out, groups, scale, shift);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("VAE " + source + ": " + e.getMessage(), e);
        }
    }

    private static void agree(List<String> disagree, JsonNode json, String field, int inferred) {
        if (json.has(field) && json.get(field).asInt() != inferred) {
            disagree.add(field + " " + json.get(field).asInt() + " vs " + inferred);
        }
    }

    private static int maxIndex(TensorStore store, Pattern p) {
        int max = -1;
        for (TensorInfo t : store.tensors()) {
            Matcher m = p.matcher(t.name());
            if (m.find()) max = Math.max(max, Integer.parseInt(m.group(1)));
        }
        return max;
    }

    /** Every expected tensor present with its shape and an accepted dtype, and nothing else but the ignored ones. */
    private static void check(TensorStore store, VaeLayout layout, VaeConfig config, String source) {
        TreeSet<String> missing = new TreeSet<>(), unexpected = new TreeSet<>(), badDtype = new TreeSet<>();
        List<String> misShaped = new ArrayList<>();
        Set<String> expected = new java.util.HashSet<>();
        for (Map.Entry<String, long[]> e : DecoderParameters.shapes(config).entrySet()) {
            String key = layout.key(e.getKey(), config.levels());
            expected.add(key);
            TensorInfo t = store.find(key).orElse(null);
            if (t == null) {
                missing.add(key);
            } else if (!VaeLayout.fits(t.shape(), e.getValue())) {
                misShaped.add(key + " " + Arrays.toString(t.shape()) + " (expected " + Arrays.toString(e.getValue()) + ")");
            } else if (!ACCEPTED.contains(t.dtype())) {
                badDtype.add(key + " " + t.dtype().safetensorsName());
            }
        }
        for (TensorInfo t : store.tensors()) {
            if (!expected.contains(t.name()) && !layout.ignored(t.name())) unexpected.add(t.name());
        }
        List<String> problems = new ArrayList<>();
        if (!missing.isEmpty()) problems.add("missing " + missing);
        if (!misShaped.isEmpty()) problems.add("mis-shaped " + misShaped);
        if (!unexpected.isEmpty()) problems.add("unexpected " + unexpected);
        if (!badDtype.isEmpty()) problems.add("unsupported dtype (F32, BF16 and F16 are) " + badDtype);
        if (!problems.isEmpty()) {
            throw new CheckpointException("VAE " + source + " (" + layout + " layout, inferred " + config + "): "
                    + String.join("; ", problems));
        }
    }

    public String source() {
        return source;
    }

    public VaeLayout layout() {
        return layout;
    }

    public VaeConfig config() {
        return config;
    }

    /** The stored element type of the decoder tensor BFL calls {@code bflKey}. */
    public WeightType type(String bflKey) {
        return switch (store.tensor(stored(bflKey)).dtype()) {
            case BF16 -> WeightType.BF16;
            case F16 -> WeightType.F16;
            default -> WeightType.F32; // ACCEPTED admits nothing else
        };
    }

    /** The tensor's stored bytes, mapped (valid until {@link #close}). */
    public MemorySegment bytes(String bflKey) {
        return store.bytes(stored(bflKey));
    }

    /** The tensor widened to float32 on the heap (for the small vectors: biases, norm scales). */
    public float[] floats(String bflKey) {
        return store.toFloatArray(stored(bflKey));
    }

    private String stored(String bflKey) {
        return layout.key(bflKey, config.levels());
    }

    @Override
    public void close() {
        store.close();
    }
}
