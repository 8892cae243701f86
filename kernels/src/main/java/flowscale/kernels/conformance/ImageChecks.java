package flowscale.kernels.conformance;

import flowscale.kernels.ConvWeight;
import flowscale.kernels.WeightType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The image ops of VAE decoders over NCHW tensors at unaligned offsets: conv2d (1x1 and 3x3, F32 and BF16
 * weights in a byte segment that starts at an odd address, with and without bias, widths around every
 * vector tail, one to 128 input channels), groupNorm (groups of one to thousands of elements, data
 * centred on 0 or on 2, affine or not, in place), and nearest 2x upsampling.
 */
final class ImageChecks {
    private ImageChecks() {}

    static List<OpCheck> all() {
        return List.of(
                new OpCheck("conv2d", Tolerances.CONV, ImageChecks::conv2d),
                new OpCheck("groupNorm", Tolerances.NORM, ImageChecks::groupNorm),
                new OpCheck("upsampleNearest2x", Tolerances.EXACT, ImageChecks::upsample));
    }

    private static final int[] WIDTHS = {1, 3, 7, 15, 17, 31, 33, 65};
    private static final int[] WIDTHS_QUICK = {1, 7, 17, 33};
    private static final int[] CIN = {1, 3, 5, 17, 33, 128};
    private static final int[] COUT = {1, 3, 4, 5, 9};
    private static final int[] HEIGHTS = {1, 2, 5};

    private static void conv2d(Harness h) {
        int i = 0;
        for (int k : new int[] {1, 3}) {
            for (int width : h.quick ? WIDTHS_QUICK : WIDTHS) {
                for (int cin : CIN) {
                    int cout = COUT[i % COUT.length];
                    int height = HEIGHTS[i % HEIGHTS.length];
                    int batch = 1 + i % 2;
                    WeightType type = WeightType.values()[i % WeightType.values().length]; // F32, BF16, F16, F8_E4M3 in turn
                    boolean bias = i % 4 != 3;
                    i++;
                    conv(h, batch, cin, cout, height, width, k, type, bias);
                }
            }
        }
    }

    private static void conv(Harness h, int batch, int cin, int cout, int height, int width, int k, WeightType type, boolean withBias) {
        Pair x = image(h, batch, cin, height, width, -1, 1);
        Pair out = image(h, batch, cout, height, width, -1, 1);
        Pair bias = withBias ? h.flat(cout, -1, 1) : null;
        MemorySegment data = weights(h, (long) cout * cin * k * k, type);
        String label = "x [" + batch + ", " + cin + ", " + height + ", " + width + "] " + k + "x" + k + " to " + cout
                + " channels, " + type + (withBias ? " with bias" : " no bias") + ", x " + x.layout() + ", out " + out.layout();
        h.check(label, b -> {
            ConvWeight w = b.packConv(data, type, cout, cin, k, k);
            b.conv2d(x.on(b), w, bias == null ? null : bias.on(b), out.on(b));
        }, out);
    }

    /** Uniform weights in [-1, 1] as little-endian bytes of {@code type}, in a segment at an odd address. */
    private static MemorySegment weights(Harness h, long n, WeightType type) {
        MemorySegment all = MemorySegment.ofArray(new byte[Math.toIntExact(n * type.bytes() + 1)]);
        MemorySegment data = all.asSlice(1);
        for (long e = 0; e < n; e++) HalfWeightChecks.storeRounded(data, e, (float) h.uniform(-1, 1), type);
        return data;
    }

    private static final int[][] GROUP_SHAPES = {{32, 32, 1, 1}, {32, 8, 3, 5}, {64, 32, 7, 9}, {6, 3, 16, 33}, {4, 1, 5, 17},
            {96, 32, 20, 21}};

    private static void groupNorm(Harness h) {
        int i = 0;
        for (int[] s : GROUP_SHAPES) {
            for (boolean affine : new boolean[] {true, false}) {
                int batch = 1 + i % 2, channels = s[0], groups = s[1], height = s[2], width = s[3];
                double centre = i % 2 == 0 ? 0.0 : 2.0;
                boolean inPlace = i % 3 == 2;
                float eps = i % 2 == 0 ? 1e-6f : 1e-5f;
                i++;
                Pair x = image(h, batch, channels, height, width, centre - 1, centre + 1);
                Pair gamma = affine ? h.flat(channels, 0.5, 1.5) : null;
                Pair beta = affine ? h.flat(channels, -0.5, 0.5) : null;
                Pair out = inPlace ? x : image(h, batch, channels, height, width, -1, 1);
                String label = "x [" + batch + ", " + channels + ", " + height + ", " + width + "] in " + groups
                        + " groups centred on " + centre + (affine ? " affine" : "") + " eps " + eps
                        + (inPlace ? " in place" : "") + ", x " + x.layout();
                h.check(label, b -> b.groupNorm(x.on(b), groups, gamma == null ? null : gamma.on(b),
                        beta == null ? null : beta.on(b), eps, out.on(b)), out);
            }
        }
    }

    private static void upsample(Harness h) {
        int i = 0;
        for (int width : h.quick ? WIDTHS_QUICK : WIDTHS) {
            int batch = 1 + i % 2, channels = 1 + (i * 5) % 7, height = HEIGHTS[i % HEIGHTS.length];
            i++;
            Pair x = image(h, batch, channels, height, width, -1, 1);
            Pair out = image(h, batch, channels, 2 * height, 2 * width, -1, 1);
            String label = "x [" + batch + ", " + channels + ", " + height + ", " + width + "], x " + x.layout() + ", out " + out.layout();
            h.check(label, b -> b.upsampleNearest2x(x.on(b), out.on(b)), out);
        }
    }

    /** A contiguous NCHW tensor of uniforms at the next offset of the harness's cycle. */
    private static Pair image(Harness h, int batch, int channels, int height, int width, double lo, double hi) {
        Pair flat = h.flat((long) batch * channels * height * width, lo, hi);
        return new Pair(flat.reference(), flat.ref().reshape(batch, channels, height, width),
                flat.cand().reshape(batch, channels, height, width));
    }

}
