package flowscale.kernels.conformance;

import flowscale.kernels.WeightType;
import flowscale.kernels.PackedWeight;
import flowscale.loader.FloatConversions;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * linear over narrow weights ({@code packHalf}: BF16, F16, F8_E4M3): the weights arrive as raw little-endian bytes at an odd byte
 * offset (a mapped checkpoint's tensors need not be aligned), over vector tails in every dimension and FLUX's
 * layer shapes at a reduced width.
 */
final class HalfWeightChecks {
    private HalfWeightChecks() {}

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** FLUX-shaped at a quarter of hidden 1024: 24 image + 7 text tokens of 2 items, MLP ratio 4, 6-way modulation. */
    private static final int HIDDEN = 256, TOKENS = 62;

    static List<OpCheck> all() {
        // Widening a 16- or 8-bit float to float32 is exact, so these products are float32 GEMMs over the widened
        // (dequantised) weights and carry exactly the float32 GEMM's error: the GEMM's tolerance, not a looser one.
        return List.of(
                new OpCheck("linearBf16", Tolerances.GEMM, h -> linear(h, WeightType.BF16)),
                new OpCheck("linearF16", Tolerances.GEMM, h -> linear(h, WeightType.F16)),
                new OpCheck("linearF8E4M3", Tolerances.GEMM, h -> linear(h, WeightType.F8_E4M3)));
    }

    private static List<int[]> shapes(boolean quick) {
        List<int[]> s = new ArrayList<>();
        int[] t = Sizes.tails(quick);
        for (int i = 0; i < t.length; i++) s.add(new int[] {t[i], t[(i + 4) % t.length], t[(i + 2) % t.length]});
        s.add(new int[] {TOKENS, HIDDEN, 3 * HIDDEN + 4 * HIDDEN}); // single block linear1: qkv and MLP in one
        s.add(new int[] {TOKENS, HIDDEN + 4 * HIDDEN, HIDDEN});     // single block linear2 (K = 1280, over 5 K blocks)
        s.add(new int[] {2, HIDDEN, 6 * HIDDEN});                   // double block modulation
        if (!quick) s.add(new int[] {TOKENS, 4 * HIDDEN, HIDDEN}); // MLP down projection
        return s;
    }

    private static void linear(Harness h, WeightType format) {
        int i = 0;
        for (int[] s : shapes(h.quick)) {
            int m = s[0], k = s[1], n = s[2];
            MemorySegment w = halfWeight(h, format, n, k, 1 + i % 3);
            Pair x = h.matrix(m, k);
            Pair bias = i % 2 == 0 ? h.flat(n, -1, 1) : null;
            Pair out = h.matrix(m, n);
            String label = format + " W " + Harness.shape(n, k) + " x " + Harness.shape(m, k) + (bias == null ? "" : " + bias")
                    + ", x " + x.layout() + ", out " + out.layout();
            h.check(label, b -> {
                PackedWeight pw = b.packHalf(w, format, n, k);
                b.linear(x.on(b), pw, bias == null ? null : bias.on(b), out.on(b));
            }, out);
            i++;
        }
    }

    /**
     * Uniform weights in [-0.5, 0.5] rounded to {@code format}, as bytes starting {@code skew} bytes into a heap array
     * (for F8_E4M3 about 3% of them are subnormal, below 2^-6).
     */
    private static MemorySegment halfWeight(Harness h, WeightType format, int n, int k, int skew) {
        float[] values = h.uniforms(n * k, -0.5, 0.5);
        long bytes = (long) format.bytes() * n * k;
        MemorySegment all = MemorySegment.ofArray(new byte[Math.toIntExact(bytes + skew)]);
        MemorySegment w = all.asSlice(skew, bytes);
        for (int j = 0; j < values.length; j++) storeRounded(w, j, values[j], format);
        return w;
    }

    /** Element {@code index} of a little-endian narrow-weight segment set to {@code v} rounded to nearest even. */
    static void storeRounded(MemorySegment w, long index, float v, WeightType format) {
        switch (format) {
            case F8_E4M3 -> w.set(ValueLayout.JAVA_BYTE, index, FloatConversions.floatToF8e4m3(v));
            case F16 -> w.set(LE_SHORT, 2 * index, Float.floatToFloat16(v));
            case BF16 -> w.set(LE_SHORT, 2 * index, FloatConversions.floatToBf16(v));
            case F32 -> w.set(LE_FLOAT, 4 * index, v);
        }
    }
}
