package flowscale.loader;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import flowscale.loader.SafetensorsException.Kind;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A checkpoint split over several safetensors files, described by a {@code *.safetensors.index.json}:
 * {@code {"metadata": {...}, "weight_map": {"tensor name": "shard file name", ...}}}.
 *
 * <p>Opening validates every shard completely, checks that each weight-map entry is in the shard it names and
 * that no shard holds a tensor the map does not assign to it, and refuses shard paths that leave the index's
 * directory (absolute paths, {@code ..}, or symlinks that resolve elsewhere).
 */
public final class ShardedCheckpoint implements TensorStore {
    /** Index files are small; anything larger than this is not an index. */
    private static final long MAX_INDEX_BYTES = 64L << 20;

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // Tensor names are unique per file: interning or caching them as symbols only costs time and
            // keeps every name ever read alive in the JVM-wide intern table.
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .build();

    private final String source;
    private final Map<String, String> metadata;
    private final Map<String, SafetensorsFile> shardByTensor;
    private final Map<String, SafetensorsFile> shards;
    private final List<TensorInfo> tensors;

    private ShardedCheckpoint(String source, Map<String, String> metadata, Map<String, SafetensorsFile> shards,
                              Map<String, SafetensorsFile> shardByTensor, List<TensorInfo> tensors) {
        this.source = source;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.shards = Collections.unmodifiableMap(shards);
        this.shardByTensor = shardByTensor;
        this.tensors = List.copyOf(tensors);
    }

    public static ShardedCheckpoint open(Path indexJson) {
        return open(indexJson, ReaderOptions.defaults());
    }

    public static ShardedCheckpoint open(Path indexJson, ReaderOptions options) {
        String source = indexJson.toString();
        byte[] json = readIndex(indexJson, source);
        Map<String, String> metadata = new LinkedHashMap<>();
        TreeMap<String, String> weightMap = new TreeMap<>();
        parseIndex(json, source, metadata, weightMap);

        Path dir = indexJson.toAbsolutePath().getParent();
        Path realDir;
        try {
            realDir = dir.toRealPath();
        } catch (IOException e) {
            throw new SafetensorsException(Kind.IO, source, "cannot resolve the index's directory: " + e.getMessage(), e);
        }
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        try {
            for (String shardName : new java.util.TreeSet<>(weightMap.values())) {
                Path shardPath = resolveInside(realDir, shardName, source);
                shards.put(shardName, SafetensorsFile.open(shardPath, options));
            }
            Map<String, SafetensorsFile> byTensor = new HashMap<>();
            List<TensorInfo> infos = new ArrayList<>(weightMap.size());
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafetensorsFile shard = shards.get(e.getValue());
                TensorInfo info = shard.find(e.getKey()).orElseThrow(() -> new SafetensorsException(
                        Kind.SHARD_TENSOR_MISSING, source, "weight_map puts tensor '" + e.getKey() + "' in shard '"
                        + e.getValue() + "', which does not contain it"));
                byTensor.put(e.getKey(), shard);
                infos.add(info);
            }
            for (Map.Entry<String, SafetensorsFile> s : shards.entrySet()) {
                for (TensorInfo t : s.getValue().tensors()) {
                    if (!s.getKey().equals(weightMap.get(t.name()))) {
                        throw new SafetensorsException(Kind.SHARD_TENSOR_UNLISTED, source, "shard '" + s.getKey()
                                + "' contains tensor '" + t.name() + "', which weight_map "
                                + (weightMap.containsKey(t.name()) ? "assigns to shard '" + weightMap.get(t.name()) + "'"
                                : "does not list"));
                    }
                }
            }
            return new ShardedCheckpoint(source, metadata, shards, byTensor, infos);
        } catch (RuntimeException e) {
            shards.values().forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static byte[] readIndex(Path indexJson, String source) {
        try {
            if (Files.isDirectory(indexJson)) {
                throw new SafetensorsException(Kind.IO, source, "is a directory, not a shard index");
            }
            long size = Files.size(indexJson);
            if (size > MAX_INDEX_BYTES) {
                throw new SafetensorsException(Kind.SHARD_INDEX_INVALID, source, "index is " + size
                        + " bytes, more than the " + MAX_INDEX_BYTES + " an index can plausibly need");
            }
            return Files.readAllBytes(indexJson);
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(Kind.IO, source, "no such file", e);
        } catch (IOException e) {
            throw new SafetensorsException(Kind.IO, source, "cannot read: " + e.getMessage(), e);
        }
    }

    private static void parseIndex(byte[] json, String source, Map<String, String> metadata, Map<String, String> weightMap) {
        boolean sawWeightMap = false;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw invalid(source, "index must be a JSON object");
            }
            for (JsonToken t = next(p, source); t != JsonToken.END_OBJECT; t = next(p, source)) {
                String field = p.currentName();
                switch (field) {
                    case "metadata" -> readMetadata(p, source, metadata);
                    case "weight_map" -> {
                        readWeightMap(p, source, weightMap);
                        sawWeightMap = true;
                    }
                    default -> throw invalid(source, "unknown field '" + field + "' (allowed: metadata, weight_map)");
                }
            }
            if (p.nextToken() != null) {
                throw invalid(source, "unexpected content after the index object");
            }
        } catch (JsonParseException e) {
            boolean duplicate = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field");
            throw new SafetensorsException(duplicate ? Kind.DUPLICATE_KEY : Kind.SHARD_INDEX_INVALID, source,
                    "index is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SafetensorsException(Kind.SHARD_INDEX_INVALID, source, "index is not valid JSON: " + e.getMessage(), e);
        }
        if (!sawWeightMap) {
            throw invalid(source, "index has no weight_map");
        }
    }

    /** Index metadata holds scalars (Hugging Face writes {"total_size": 123}); they are kept as their JSON text. */
    private static void readMetadata(JsonParser p, String source, Map<String, String> metadata) throws IOException {
        JsonToken t = next(p, source);
        if (t == JsonToken.VALUE_NULL) {
            return;
        }
        if (t != JsonToken.START_OBJECT) {
            throw invalid(source, "metadata must be an object");
        }
        for (t = next(p, source); t != JsonToken.END_OBJECT; t = next(p, source)) {
            String key = p.currentName();
            JsonToken v = next(p, source);
            if (!v.isScalarValue() || v == JsonToken.VALUE_NULL) {
                throw invalid(source, "metadata value for '" + key + "' must be a string, number or boolean");
            }
            metadata.put(key, p.getText());
        }
    }

    private static void readWeightMap(JsonParser p, String source, Map<String, String> weightMap) throws IOException {
        if (next(p, source) != JsonToken.START_OBJECT) {
            throw invalid(source, "weight_map must be an object of tensor name to shard file");
        }
        for (JsonToken t = next(p, source); t != JsonToken.END_OBJECT; t = next(p, source)) {
            String tensor = p.currentName();
            if (next(p, source) != JsonToken.VALUE_STRING || p.getText().isEmpty()) {
                throw invalid(source, "weight_map entry for tensor '" + tensor + "' must be a non-empty file name");
            }
            weightMap.put(tensor, p.getText());
        }
    }

    private static JsonToken next(JsonParser p, String source) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw invalid(source, "index JSON ends before its closing '}'");
        }
        return t;
    }

    /**
     * The shard's path, which must be relative, free of {@code ..}, and (after following symlinks) inside the
     * index's directory: an index must not be able to point the reader at arbitrary files.
     */
    static Path resolveInside(Path realDir, String shardName, String source) {
        Path relative;
        try {
            relative = realDir.getFileSystem().getPath(shardName);
        } catch (RuntimeException e) {
            throw new SafetensorsException(Kind.SHARD_PATH_ESCAPE, source, "shard path '" + shardName + "' is not a valid path");
        }
        if (relative.isAbsolute() || shardName.startsWith("/") || shardName.startsWith("\\")) {
            throw new SafetensorsException(Kind.SHARD_PATH_ESCAPE, source, "shard path '" + shardName + "' is absolute");
        }
        for (Path part : relative) {
            if (part.toString().equals("..")) {
                throw new SafetensorsException(Kind.SHARD_PATH_ESCAPE, source, "shard path '" + shardName + "' contains '..'");
            }
        }
        Path resolved = realDir.resolve(relative);
        Path real;
        try {
            real = resolved.toRealPath();
        } catch (NoSuchFileException e) {
            throw new SafetensorsException(Kind.IO, source, "shard '" + shardName + "' does not exist (" + resolved + ")", e);
        } catch (IOException e) {
            throw new SafetensorsException(Kind.IO, source, "cannot resolve shard '" + shardName + "': " + e.getMessage(), e);
        }
        if (!real.startsWith(realDir)) {
            throw new SafetensorsException(Kind.SHARD_PATH_ESCAPE, source, "shard path '" + shardName + "' resolves to "
                    + real + ", outside the index's directory " + realDir);
        }
        return real;
    }

    private static SafetensorsException invalid(String source, String detail) {
        return new SafetensorsException(Kind.SHARD_INDEX_INVALID, source, detail);
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public List<TensorInfo> tensors() {
        return tensors;
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        SafetensorsFile shard = shardByTensor.get(name);
        return shard == null ? Optional.empty() : shard.find(name);
    }

    @Override
    public MemorySegment bytes(String name) {
        tensor(name);
        return shardByTensor.get(name).bytes(name);
    }

    /** The shard file names (as written in the index) with their opened files, in name order. */
    public Map<String, SafetensorsFile> shards() {
        return shards;
    }

    /** The shard file name (as written in the index) that holds {@code name}. */
    public String shardOf(String name) {
        tensor(name);
        SafetensorsFile file = shardByTensor.get(name);
        for (Map.Entry<String, SafetensorsFile> e : shards.entrySet()) {
            if (e.getValue() == file) {
                return e.getKey();
            }
        }
        throw new IllegalStateException("tensor '" + name + "' has no shard");
    }

    @Override
    public void close() {
        shards.values().forEach(SafetensorsFile::close);
    }
}
