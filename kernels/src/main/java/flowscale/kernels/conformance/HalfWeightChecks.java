package flowscale.kernels.conformance;

import flowscale.kernels.WeightType;
import flowscale.kernels.PackedWeight;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * linear over 16-bit weights ({@code packHalf}): the weights arrive as raw little-endian bytes at an odd byte
 * offset (a mapped checkpoint's tensors need not be aligned), over vector tails in every dimension and FLUX's
 * layer shapes at a reduced width.
 */
final class HalfWeightChecks {
    private HalfWeightChecks() {}

    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** FLUX-shaped at a quarter of hidden 1024: 24 image + 7 text tokens of 2 items, MLP ratio 4, 6-way modulation. */
    private static final int HIDDEN = 256, TOKENS = 62;

    static List<OpCheck> all() {
        // Widening a 16-bit float to float32 is exact, so these products carry exactly the float32 GEMM's error.
        return List.of(
                new OpCheck("linearBf16", Tolerances.GEMM, h -> linear(h, WeightType.BF16)),
                new OpCheck("linearF16", Tolerances.GEMM, h -> linear(h, WeightType.F16)));
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

    /** Uniform weights in [-0.5, 0.5] rounded to {@code format}, as bytes starting {@code skew} bytes into a heap array. */
    private static MemorySegment halfWeight(Harness h, WeightType format, int n, int k, int skew) {
        float[] values = h.uniforms(n * k, -0.5, 0.5);
        MemorySegment all = MemorySegment.ofArray(new byte[2 * n * k + skew]);
        MemorySegment w = all.asSlice(skew, 2L * n * k);
        for (int j = 0; j < values.length; j++) {
            float v = values[j];
            short bits = format == WeightType.F16 ? Float.floatToFloat16(v) : (short) (Float.floatToRawIntBits(v) >>> 16);
            w.set(LE_SHORT, 2L * j, bits);
        }
        return w;
    }
}
