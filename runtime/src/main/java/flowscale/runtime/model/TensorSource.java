package flowscale.runtime.model;

import java.util.Map;
import java.util.Set;

/**
 * Named float32 tensors to bind a model from: a safetensors file (with shapes, converted from BF16/F16)
 * or an in-memory map (a trainer's parameters, a test's random weights).
 */
public interface TensorSource {

    /** Where the tensors come from, for error messages (a path, "in-memory weights"). */
    String description();

    Set<String> names();

    /**
     * The stored shape of {@code name}, or null when the source only knows the element count
     * (then the binding checks the count against the expected shape).
     */
    long[] shape(String name);

    /** The tensor's elements as float32, row-major. */
    float[] floats(String name);

    /** A source over a map of row-major float arrays; shapes are unknown, only lengths are checked. */
    static TensorSource of(String description, Map<String, float[]> tensors) {
        return new TensorSource() {
            @Override public String description() { return description; }
            @Override public Set<String> names() { return tensors.keySet(); }
            @Override public long[] shape(String name) { return null; }
            @Override public float[] floats(String name) { return tensors.get(name); }
        };
    }
}
