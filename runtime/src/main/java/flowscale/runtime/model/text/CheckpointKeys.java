package flowscale.runtime.model.text;

import flowscale.loader.DType;
import flowscale.loader.TensorInfo;
import flowscale.runtime.model.CheckpointException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Checks a checkpoint's tensors against a family's declared key-to-shape map, reporting every problem at once. */
public final class CheckpointKeys {
    /** The dtypes a text encoder's weights may be stored in (matrices stay so; 1-D tensors are widened at load). */
    private static final Set<DType> FLOATS = Set.of(DType.F32, DType.BF16, DType.F16);

    private CheckpointKeys() {}

    /**
     * Requires {@code actual} to hold exactly the keys of {@code expected} (plus any of {@code ignorable}, which
     * are buffers rather than weights), each with the declared shape and a float dtype.
     *
     * @throws CheckpointException one line naming every missing, unexpected, mis-shaped or mis-typed tensor
     */
    public static void requireExactly(String source, Map<String, long[]> expected, Map<String, TensorInfo> actual,
                                      Set<String> ignorable) {
        TreeSet<String> missing = new TreeSet<>(expected.keySet());
        missing.removeAll(actual.keySet());
        TreeSet<String> unexpected = new TreeSet<>(actual.keySet());
        unexpected.removeAll(expected.keySet());
        unexpected.removeAll(ignorable);
        List<String> badShapes = new ArrayList<>();
        TreeSet<String> badTypes = new TreeSet<>();
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            TensorInfo t = actual.get(e.getKey());
            if (t == null) continue;
            if (!Arrays.equals(t.shape(), e.getValue())) {
                badShapes.add(e.getKey() + " is " + Arrays.toString(t.shape()) + ", expected " + Arrays.toString(e.getValue()));
            }
            if (!FLOATS.contains(t.dtype())) badTypes.add(e.getKey() + " " + t.dtype().safetensorsName());
        }
        List<String> problems = new ArrayList<>();
        if (!missing.isEmpty()) problems.add("missing tensors " + missing);
        if (!unexpected.isEmpty()) problems.add("unexpected tensors " + unexpected);
        if (!badShapes.isEmpty()) problems.add("wrong shapes [" + String.join("; ", badShapes) + "]");
        if (!badTypes.isEmpty()) problems.add("unsupported dtypes " + badTypes + " (accepted: F32, BF16, F16)");
        if (!problems.isEmpty()) {
            throw new CheckpointException("checkpoint " + source + ": " + String.join("; ", problems));
        }
    }

    /** Number of consecutive indices {@code i = 0, 1, ...} for which some key starts with {@code prefix + i + "."}. */
    public static int countIndexed(Set<String> keys, String prefix) {
        int n = 0;
        while (true) {
            String p = prefix + n + ".";
            boolean found = false;
            for (String k : keys) {
                if (k.startsWith(p)) {
                    found = true;
                    break;
                }
            }
            if (!found) return n;
            n++;
        }
    }
}
