package flowscale.runtime.model.text;

import flowscale.loader.DType;
import flowscale.loader.FloatConversions;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** Writes edited copies of a fixture model folder (config.json + safetensors) for loading tests. */
public final class FolderWriter {
    private FolderWriter() {}

    /** The fixture folder's tensors as float32 arrays with their shapes, in name order. */
    public static Map<String, Map.Entry<long[], float[]>> read(Path fixtureDir) {
        Map<String, Map.Entry<long[], float[]>> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(fixtureDir.resolve("model.safetensors"))) {
            for (TensorInfo t : f.tensors()) out.put(t.name(), Map.entry(t.shape(), f.toFloatArray(t.name())));
        }
        return out;
    }

    /** A folder with the fixture's config.json and {@code tensors} in one F32 model.safetensors. */
    public static Path single(Path fixtureDir, Path target, Map<String, Map.Entry<long[], float[]>> tensors) {
        copyConfig(fixtureDir, target, c -> c);
        SafetensorsWriter w = new SafetensorsWriter();
        tensors.forEach((name, t) -> w.addF32(name, t.getKey(), t.getValue()));
        w.write(target.resolve("model.safetensors"));
        return target;
    }

    /** A folder with the fixture's config.json and {@code tensors} in one model.safetensors stored as {@code dtype}. */
    public static Path singleAs(Path fixtureDir, Path target, Map<String, Map.Entry<long[], float[]>> tensors, DType dtype) {
        copyConfig(fixtureDir, target, c -> c);
        SafetensorsWriter w = new SafetensorsWriter();
        tensors.forEach((name, t) -> {
            switch (dtype) {
                case F32 -> w.addF32(name, t.getKey(), t.getValue());
                case BF16 -> w.addBf16(name, t.getKey(), t.getValue());
                case F16 -> w.addF16(name, t.getKey(), t.getValue());
                default -> throw new IllegalArgumentException(dtype + " is not a float type the encoders take");
            }
        });
        w.write(target.resolve("model.safetensors"));
        return target;
    }

    /**
     * Two folders of the fixture under {@code dir}: its tensors stored as {@code dtype} ({@code name-half}), and the
     * float32 model holding exactly those values ({@code name-f32}, see {@link #roundedThrough}). Returns {half, f32}.
     */
    public static Path[] halfAndWidened(Path fixtureDir, Path dir, String name, Map<String, Map.Entry<long[], float[]>> tensors,
                                        DType dtype) {
        return new Path[] {singleAs(fixtureDir, dir.resolve(name + "-half"), tensors, dtype),
                singleAs(fixtureDir, dir.resolve(name + "-f32"), roundedThrough(tensors, dtype), DType.F32)};
    }

    /**
     * The tensors with every value rounded through {@code dtype} (BF16 or F16) and widened back: written as F32,
     * they are the float32 model whose weights a {@code dtype} copy holds exactly.
     */
    public static Map<String, Map.Entry<long[], float[]>> roundedThrough(Map<String, Map.Entry<long[], float[]>> tensors,
                                                                        DType dtype) {
        Map<String, Map.Entry<long[], float[]>> out = new LinkedHashMap<>();
        tensors.forEach((name, t) -> {
            float[] v = t.getValue().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (dtype) {
                    case BF16 -> FloatConversions.bf16ToFloat(FloatConversions.floatToBf16(v[i]));
                    case F16 -> Float.float16ToFloat(Float.floatToFloat16(v[i]));
                    default -> throw new IllegalArgumentException(dtype + " is not a 16-bit type");
                };
            }
            out.put(name, Map.entry(t.getKey(), v));
        });
        return out;
    }

    /**
     * A sharded folder: the tensors whose names {@code firstShard} accepts in model-00001-of-00002.safetensors, the
     * rest in model-00002-of-00002.safetensors, and a model.safetensors.index.json mapping each to its shard.
     */
    public static Path sharded(Path fixtureDir, Path target, Map<String, Map.Entry<long[], float[]>> tensors,
                               java.util.function.Predicate<String> firstShard) {
        copyConfig(fixtureDir, target, c -> c);
        List<String> shardNames = List.of("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors");
        SafetensorsWriter[] writers = {new SafetensorsWriter(), new SafetensorsWriter()};
        StringBuilder map = new StringBuilder();
        tensors.forEach((name, t) -> {
            int shard = firstShard.test(name) ? 0 : 1;
            writers[shard].addF32(name, t.getKey(), t.getValue());
            if (!map.isEmpty()) map.append(",\n    ");
            map.append('"').append(name).append("\": \"").append(shardNames.get(shard)).append('"');
        });
        for (int i = 0; i < 2; i++) writers[i].write(target.resolve(shardNames.get(i)));
        write(target.resolve("model.safetensors.index.json"),
                "{\n  \"metadata\": {\"total_size\": 0},\n  \"weight_map\": {\n    " + map + "\n  }\n}\n");
        return target;
    }

    /** Copies config.json through {@code edit} (a text substitution). */
    public static void copyConfig(Path fixtureDir, Path target, Function<String, String> edit) {
        try {
            Files.createDirectories(target);
            write(target.resolve("config.json"), edit.apply(Files.readString(fixtureDir.resolve("config.json"))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
