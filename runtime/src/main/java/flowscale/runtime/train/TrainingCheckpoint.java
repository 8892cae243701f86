package flowscale.runtime.train;

import flowscale.kernels.Tensor;
import flowscale.loader.SafetensorsException;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A resumable training state in one safetensors file: the weights ({@code model.*}), their EMA ({@code ema.*}) and
 * AdamW's moments ({@code adam_m.*}, {@code adam_v.*}), all F32 under the DiT checkpoint keys, plus the step, the
 * wall time spent and the training config in the metadata. Written beside the target and renamed, so an
 * interrupt while saving leaves the previous checkpoint intact.
 */
public final class TrainingCheckpoint {
    public static final String FILE = "checkpoint.safetensors";
    private static final String[] ROLES = {"model", "ema", "adam_m", "adam_v"};

    /** What a checkpoint holds besides the tensors. */
    public record State(long step, double elapsedSeconds, TrainConfig config) {}

    private TrainingCheckpoint() {}

    public static void save(Path file, ParameterSet p, State state) {
        SafetensorsWriter w = new SafetensorsWriter();
        w.metadata("flowscale.train.step", Long.toString(state.step()));
        w.metadata("flowscale.train.elapsed_seconds", Double.toString(state.elapsedSeconds()));
        w.metadata("flowscale.train.config", state.config().toJson());
        p.config().toMetadata().forEach(w::metadata);
        Tensor[] buffers = buffers(p);
        for (int r = 0; r < ROLES.length; r++) {
            for (Map.Entry<String, float[]> e : p.toHost(buffers[r]).entrySet()) {
                w.addF32(ROLES[r] + "." + e.getKey(), p.shape(e.getKey()), e.getValue());
            }
        }
        w.write(file);
    }

    /** Reads the state and, when {@code into} is not null, loads the four buffers into it. */
    public static State load(Path file, ParameterSet into) {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no training checkpoint at " + file);
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            Map<String, String> meta = f.metadata();
            if (meta == null || !meta.containsKey("flowscale.train.step") || !meta.containsKey("flowscale.train.config")) {
                throw new IllegalArgumentException(file + " is not a flowscale training checkpoint (no flowscale.train.* metadata)");
            }
            State state;
            try {
                state = new State(Long.parseLong(meta.get("flowscale.train.step")),
                        Double.parseDouble(meta.getOrDefault("flowscale.train.elapsed_seconds", "0")),
                        TrainConfig.parse(meta.get("flowscale.train.config"), file + " metadata"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(file + ": bad flowscale.train.* metadata: " + e.getMessage());
            }
            if (into != null) {
                Tensor[] buffers = buffers(into);
                for (int r = 0; r < ROLES.length; r++) {
                    Map<String, float[]> values = new LinkedHashMap<>();
                    for (String name : into.names()) {
                        String key = ROLES[r] + "." + name;
                        if (f.find(key).isEmpty()) throw new IllegalArgumentException(file + " has no tensor " + key);
                        values.put(name, f.toFloatArray(key));
                    }
                    into.fromHost(values, buffers[r]);
                }
            }
            return state;
        } catch (SafetensorsException e) {
            throw new IllegalArgumentException("training checkpoint " + file + ": " + e.getMessage());
        }
    }

    private static Tensor[] buffers(ParameterSet p) {
        return new Tensor[] {p.params, p.ema, p.adamM, p.adamV};
    }
}
