package flowscale.kernels;

/**
 * The 16-bit float formats a linear weight may keep in memory ({@link Backend#packHalf}): checkpoints
 * ship their weights in them, and widening one to float32 is exact, so a product over widened weights
 * has exactly the rounding error of the float32 product over the same values.
 */
public enum HalfFloat {
    /** bfloat16: the upper 16 bits of a float32 (8 exponent bits, 7 mantissa bits). */
    BF16,
    /** IEEE 754 binary16 (5 exponent bits, 10 mantissa bits). */
    F16;

    /** The float32 value of one element given as its raw bits. */
    public float toFloat(short bits) {
        return this == BF16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat(bits);
    }
}
