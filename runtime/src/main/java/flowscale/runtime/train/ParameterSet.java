package flowscale.runtime.train;

import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.model.DiTWeights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every trainable tensor of a DiT as a view into one flat device buffer, with same-shaped flat buffers for
 * the gradients, AdamW's two moments and the EMA copy. One buffer per role lets the optimiser, the gradient
 * clipping, zeroing and the EMA each run as one call over all parameters.
 *
 * <p>The order puts the matrix weights first and everything else (biases, embedding tables) after
 * {@link #decayedCount()}: weight decay applies to the first region only, the usual practice (decaying
 * biases and embeddings only pulls them to zero without regularising anything).
 */
public final class ParameterSet {
    private final DiTConfig config;
    private final TrainingBackend backend;
    private final Map<String, long[]> shapes;
    private final Map<String, Long> offsets = new LinkedHashMap<>();
    private final long total;
    private final long decayed;
    public final Tensor params;
    public final Tensor grads;
    public final Tensor adamM;
    public final Tensor adamV;
    public final Tensor ema;

    public ParameterSet(DiTConfig config, TrainingBackend backend) {
        this.config = config;
        this.backend = backend;
        this.shapes = DiTWeights.parameters(config);
        List<String> order = new ArrayList<>();
        for (String name : shapes.keySet()) if (decays(name)) order.add(name);
        long at = 0;
        for (String name : order) {
            offsets.put(name, at);
            at += DiTWeights.elements(shapes.get(name));
        }
        this.decayed = at;
        for (String name : shapes.keySet()) {
            if (offsets.containsKey(name)) continue;
            offsets.put(name, at);
            at += DiTWeights.elements(shapes.get(name));
        }
        this.total = at;
        this.params = backend.allocate(total);
        this.grads = backend.allocate(total);
        this.adamM = backend.allocate(total);
        this.adamV = backend.allocate(total);
        this.ema = backend.allocate(total);
    }

    /** Matrix weights decay; biases and the condition tables do not. */
    static boolean decays(String name) {
        return name.endsWith(".weight") && !name.startsWith("cond_embedder.");
    }

    public DiTConfig config() { return config; }

    public TrainingBackend backend() { return backend; }

    /** Number of floats in all parameters. */
    public long count() { return total; }

    /** Floats at the front of every buffer that take weight decay. */
    public long decayedCount() { return decayed; }

    /** Checkpoint keys in buffer order. */
    public List<String> names() { return Collections.unmodifiableList(new ArrayList<>(offsets.keySet())); }

    public long[] shape(String name) { return shapes.get(name).clone(); }

    /** The view of {@code name} inside {@code buffer} (one of this set's flat buffers), 2-D for matrices. */
    public Tensor view(Tensor buffer, String name) {
        Long off = offsets.get(name);
        if (off == null) throw new IllegalArgumentException("no parameter " + name);
        long[] s = shapes.get(name);
        long n = DiTWeights.elements(s);
        if (s.length == 1) return buffer.flatRange(off, n);
        long rows = s[0];
        long cols = n / rows; // conv-shaped x_embedder weight flattens to [D, C*p*p]
        return buffer.view(off, new long[] {rows, cols}, new long[] {cols, 1});
    }

    /** Host copy of {@code buffer} split by checkpoint key (the format {@code DiTCheckpoints.write} takes). */
    public Map<String, float[]> toHost(Tensor buffer) {
        float[] all = new float[Math.toIntExact(total)];
        backend.download(buffer, all, 0);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String name : shapes.keySet()) {
            int off = Math.toIntExact(offsets.get(name));
            int n = Math.toIntExact(DiTWeights.elements(shapes.get(name)));
            float[] part = new float[n];
            System.arraycopy(all, off, part, 0, n);
            out.put(name, part);
        }
        return out;
    }

    /** Uploads {@code values} (every key, exact sizes) into {@code buffer}. */
    public void fromHost(Map<String, float[]> values, Tensor buffer) {
        float[] all = new float[Math.toIntExact(total)];
        for (String name : shapes.keySet()) {
            float[] part = values.get(name);
            long n = DiTWeights.elements(shapes.get(name));
            if (part == null || part.length != n) {
                throw new IllegalArgumentException("parameter " + name + ": expected " + n + " floats, got "
                        + (part == null ? "none" : part.length));
            }
            System.arraycopy(part, 0, all, Math.toIntExact(offsets.get(name)), part.length);
        }
        backend.upload(all, 0, buffer);
    }
}
