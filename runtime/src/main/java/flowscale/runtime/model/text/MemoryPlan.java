package flowscale.runtime.model.text;

import flowscale.loader.DType;
import flowscale.loader.TensorInfo;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What a checkpoint's weights cost in memory, from its headers: parameters, stored bytes per dtype, and the bytes
 * they take once bound by {@link WeightBinder}, which keeps matrices and embedding tables at their stored width
 * and widens only the 1-D tensors (biases, norm weights) to float32.
 */
public record MemoryPlan(long parameters, Map<DType, Long> storedBytesByDType, long storedBytes, long boundBytes) {

    public MemoryPlan {
        storedBytesByDType = Collections.unmodifiableMap(new EnumMap<>(storedBytesByDType));
    }

    public static MemoryPlan of(Collection<TensorInfo> tensors) {
        long params = 0, stored = 0, bound = 0;
        Map<DType, Long> byType = new EnumMap<>(DType.class);
        for (TensorInfo t : tensors) {
            params += t.elementCount();
            stored += t.byteSize();
            bound += t.rank() == 1 ? Math.multiplyExact(t.elementCount(), (long) Float.BYTES) : t.byteSize();
            byType.merge(t.dtype(), t.byteSize(), Long::sum);
        }
        return new MemoryPlan(params, byType, stored, bound);
    }

    /** One line: parameters, then bytes per stored dtype, then the size once bound. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(parameters).append(" parameters;");
        storedBytesByDType.forEach((t, b) -> sb.append(' ').append(t.safetensorsName()).append(' ').append(b).append(" bytes;"));
        return sb.append(" bound ").append(boundBytes).append(" bytes (1-D tensors widened to F32)").toString();
    }
}
