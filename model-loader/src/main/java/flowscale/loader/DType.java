package flowscale.loader;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Element types of the safetensors format, with the exact names the header uses.
 * Every type here occupies a whole number of bytes; sub-byte types (F4, F6) are not accepted.
 */
public enum DType {
    BOOL("BOOL", 1),
    U8("U8", 1),
    I8("I8", 1),
    F8_E4M3("F8_E4M3", 1),
    F8_E5M2("F8_E5M2", 1),
    F8_E8M0("F8_E8M0", 1),
    I16("I16", 2),
    U16("U16", 2),
    F16("F16", 2),
    BF16("BF16", 2),
    I32("I32", 4),
    U32("U32", 4),
    F32("F32", 4),
    F64("F64", 8),
    I64("I64", 8),
    U64("U64", 8);

    private static final Map<String, DType> BY_NAME = new HashMap<>();

    static {
        for (DType t : values()) {
            BY_NAME.put(t.safetensorsName, t);
        }
    }

    private final String safetensorsName;
    private final int byteSize;

    DType(String safetensorsName, int byteSize) {
        this.safetensorsName = safetensorsName;
        this.byteSize = byteSize;
    }

    /** The name used in the header's {@code dtype} field. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /**
     * True for the types {@link SafetensorsFile#toFloatArray} and friends can convert to float32. Of the 8-bit
     * floats only F8_E4M3 is: F8_E5M2 and F8_E8M0 (the MX scale type) are not supported.
     */
    public boolean isFloatConvertible() {
        return this == F32 || this == F16 || this == BF16 || this == F64 || this == F8_E4M3;
    }

    /** The type with this header name; the match is exact (case-sensitive), as in the reference reader. */
    public static Optional<DType> fromSafetensorsName(String name) {
        return Optional.ofNullable(BY_NAME.get(name));
    }
}
