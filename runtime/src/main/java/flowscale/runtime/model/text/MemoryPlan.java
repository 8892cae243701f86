package flowscale.runtime.model.text;

import flowscale.loader.DType;
import flowscale.loader.TensorInfo;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * What a checkpoint's weights cost in memory, from its headers: parameters and stored bytes per dtype, and
 * the bytes they take once bound, where today's encoders widen every weight to float32 at load (the FLUX
 * issue's stored-dtype GEMM would bind them at their stored size instead).
 */
public record MemoryPlan(long parameters, Map<DType, Long> storedBytesByDType, long storedBytes, long float32Bytes) {

    public MemoryPlan {
        storedBytesByDType = Collections.unmodifiableMap(new EnumMap<>(storedBytesByDType));
    }

    public static MemoryPlan of(Collection<TensorInfo> tensors) {
        long params = 0, stored = 0;
        Map<DType, Long> byType = new EnumMap<>(DType.class);
        for (TensorInfo t : tensors) {
            params += t.elementCount();
            stored += t.byteSize();
            byType.merge(t.dtype(), t.byteSize(), Long::sum);
        }
        return new MemoryPlan(params, byType, stored, Math.multiplyExact(params, (long) Float.BYTES));
    }

    /** One line: parameters, then bytes per stored dtype, then the float32 size once bound. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(parameters).append(" parameters;");
        storedBytesByDType.forEach((t, b) -> sb.append(' ').append(t.safetensorsName()).append(' ').append(b).append(" bytes;"));
        return sb.append(" bound as F32 ").append(float32Bytes).append(" bytes").toString();
    }
}
