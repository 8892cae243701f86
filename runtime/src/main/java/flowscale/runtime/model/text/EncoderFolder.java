package flowscale.runtime.model.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.loader.SafetensorsException;
import flowscale.loader.TensorInfo;
import flowscale.loader.TensorStore;
import flowscale.runtime.model.CheckpointException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Hugging Face model folder as transformers writes it ({@code text_encoder/}, {@code text_encoder_2/}):
 * {@code config.json} and either {@code model.safetensors} or a sharded {@code model.safetensors.index.json}
 * with its shards. Opening maps the files and reads the headers only; no tensor data is touched until a
 * family binds its weights.
 */
public final class EncoderFolder implements AutoCloseable {
    static final String CONFIG = "config.json";
    static final String SINGLE = "model.safetensors";
    static final String INDEX = "model.safetensors.index.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final JsonNode config;
    private final TensorStore store;
    private final Map<String, TensorInfo> tensors;

    private EncoderFolder(Path dir, JsonNode config, TensorStore store) {
        this.dir = dir;
        this.config = config;
        this.store = store;
        Map<String, TensorInfo> byName = new LinkedHashMap<>();
        for (TensorInfo t : store.tensors()) byName.put(t.name(), t);
        this.tensors = Collections.unmodifiableMap(byName);
    }

    /**
     * Opens {@code dir}; the index wins over a single file when both exist (transformers writes the index only
     * for sharded saves).
     *
     * @throws CheckpointException when the folder, its config or its weights are missing or unreadable
     */
    /**
     * Opens {@code dir} and builds a model over it; the folder stays open with the model (which closes it), or is
     * closed again when building fails.
     */
    public static <M> M load(Path dir, java.util.function.Function<EncoderFolder, M> build) {
        EncoderFolder folder = open(dir);
        try {
            return build.apply(folder);
        } catch (RuntimeException e) {
            folder.close();
            throw e;
        }
    }

    /** The configuration that {@code checkedConfig} reads from the headers of {@code dir}, and the folder's memory plan. */
    public static <C> EncoderPlan<C> plan(Path dir, java.util.function.Function<EncoderFolder, C> checkedConfig) {
        try (EncoderFolder folder = open(dir)) {
            return new EncoderPlan<>(checkedConfig.apply(folder), folder.memoryPlan());
        }
    }

    public static EncoderFolder open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new CheckpointException("encoder folder " + dir + " does not exist or is not a directory");
        }
        Path configPath = dir.resolve(CONFIG);
        if (!Files.isRegularFile(configPath)) {
            throw new CheckpointException("encoder folder " + dir + " has no " + CONFIG);
        }
        JsonNode config;
        try {
            config = JSON.readTree(configPath.toFile());
        } catch (JsonProcessingException e) {
            throw new CheckpointException(configPath + " is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + configPath + ": " + e.getMessage(), e);
        }
        if (config == null || !config.isObject()) {
            throw new CheckpointException(configPath + " must hold a JSON object");
        }
        Path weights = Files.isRegularFile(dir.resolve(INDEX)) ? dir.resolve(INDEX) : dir.resolve(SINGLE);
        if (!Files.isRegularFile(weights)) {
            throw new CheckpointException("encoder folder " + dir + " has neither " + SINGLE + " nor " + INDEX);
        }
        try {
            return new EncoderFolder(dir, config, TensorStore.open(weights));
        } catch (SafetensorsException e) {
            throw new CheckpointException(e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** Where the weights come from, for messages. */
    public String source() {
        return store.source();
    }

    public TensorStore store() {
        return store;
    }

    /** Every tensor by name, in the store's (name) order. */
    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The {@code config.json} field {@code key} as text, or null when absent or JSON null. */
    public String configText(String key) {
        JsonNode n = config.get(key);
        return n == null || n.isNull() ? null : n.asText();
    }

    /** The integer {@code config.json} field {@code key}, or {@code fallback} when absent. */
    public int configInt(String key, int fallback) {
        JsonNode n = config.get(key);
        if (n == null || n.isNull()) return fallback;
        if (!n.canConvertToInt() || !n.isIntegralNumber()) {
            throw new CheckpointException(dir.resolve(CONFIG) + ": " + key + " must be an integer, got " + n);
        }
        return n.intValue();
    }

    /** The integer {@code config.json} field {@code key}, which must be present. */
    public int requireInt(String key) {
        if (configText(key) == null) throw new CheckpointException(dir.resolve(CONFIG) + " has no " + key);
        return configInt(key, 0);
    }

    /** The numeric {@code config.json} field {@code key}, or {@code fallback} when absent. */
    public double configDouble(String key, double fallback) {
        JsonNode n = config.get(key);
        if (n == null || n.isNull()) return fallback;
        if (!n.isNumber()) throw new CheckpointException(dir.resolve(CONFIG) + ": " + key + " must be a number, got " + n);
        return n.doubleValue();
    }

    /** The weights' memory plan (stored bytes by dtype), from the headers alone. */
    public MemoryPlan memoryPlan() {
        return MemoryPlan.of(tensors.values());
    }

    @Override
    public void close() {
        store.close();
    }

    /**
     * Checks that config.json, where it states {@code key}, says what the weights' shapes say.
     *
     * @throws CheckpointException naming both numbers
     */
    public void agree(String where, String key, int fromShapes) {
        int stated = configInt(key, fromShapes);
        if (stated != fromShapes) {
            throw new CheckpointException(where + ": config.json says " + key + " " + stated + " but the weights have "
                    + fromShapes);
        }
    }
}
