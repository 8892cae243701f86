package flowscale.kernels;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Element types a weight may keep in memory, as checkpoints store them (little-endian, possibly
 * unaligned in a mapped file). Kernels read them in place and widen to float32 as they go, so a BF16
 * checkpoint never needs a float32 copy.
 */
public enum WeightType {
    F32(4),
    /** bfloat16: the upper half of a float32, so widening is a 16-bit shift and exact. */
    BF16(2);

    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort BF16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final int bytes;

    WeightType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Element {@code index} of {@code data}, widened to float32 (exactly: both types embed in float32). */
    public float read(MemorySegment data, long index) {
        return switch (this) {
            case F32 -> data.get(F32_LE, index * 4);
            case BF16 -> Float.intBitsToFloat((data.get(BF16_LE, index * 2) & 0xFFFF) << 16);
        };
    }
}
