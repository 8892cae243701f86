package flowscale.kernels.conformance;

import flowscale.kernels.Tensor;

import java.util.Arrays;
import java.util.List;

/** upload / download, copy and fill over views of rank 1 to 4 with padded strides and offsets. */
final class MemoryChecks {
    private MemoryChecks() {}

    private static final long[][] SHAPES = {
        {1}, {17}, {129}, {3, 7}, {17, 33}, {2, 3, 17}, {2, 3, 5, 7}, {1, 2, 1, 33}, {3, 1, 4, 65},
    };
    private static final long[][] SHAPES_QUICK = {{1}, {17}, {3, 7}, {2, 3, 17}, {2, 3, 5, 7}};

    static List<OpCheck> all() {
        return List.of(
                new OpCheck("upload/download", Tolerances.EXACT, MemoryChecks::transfers),
                new OpCheck("copy", Tolerances.EXACT, MemoryChecks::copy),
                new OpCheck("gatherRows", Tolerances.EXACT, MemoryChecks::gatherRows),
                new OpCheck("fill", Tolerances.EXACT, MemoryChecks::fill));
    }

    private static long[][] shapes(Harness h) {
        return h.quick ? SHAPES_QUICK : SHAPES;
    }

    private static void transfers(Harness h) {
        for (long[] shape : shapes(h)) {
            for (boolean unitInner : new boolean[] {true, false}) {
                Pair view = h.strided(shape, unitInner);
                int n = Math.toIntExact(view.ref().size());
                float[] src = h.uniforms(n + 5, -1, 1);
                String where = Harness.shape(shape) + " " + view.layout();
                h.check("upload into " + where, b -> b.upload(src, 2, view.on(b)), view);
                h.checkHost("download from " + where, b -> {
                    float[] out = new float[n + 4];
                    Arrays.fill(out, -7.0f);
                    b.download(view.on(b), out, 3);
                    return out;
                });
            }
            float[] data = h.uniforms(Math.toIntExact(Arrays.stream(shape).reduce(1, Math::multiplyExact)), -1, 1);
            h.checkHost("upload(data, " + Harness.shape(shape) + ") then download", b -> {
                Tensor t = b.upload(data, shape);
                float[] out = new float[data.length];
                b.download(t, out, 0);
                return out;
            });
        }
    }

    private static void copy(Harness h) {
        for (long[] shape : shapes(h)) {
            for (int variant = 0; variant < 3; variant++) {
                Pair src = h.strided(shape, variant != 1);
                Pair dst = h.strided(shape, variant != 2);
                h.check("copy " + Harness.shape(shape) + " from " + src.layout() + " to " + dst.layout(),
                        b -> b.copy(src.on(b), dst.on(b)), dst);
            }
        }
    }

    /** Row gathers with repeated and skipped rows, odd widths and padded rows (a resampling of particles). */
    private static void gatherRows(Harness h) {
        int[][] sizes = h.quick ? new int[][] {{5, 3, 7}, {2, 4, 1}} : new int[][] {{5, 3, 7}, {2, 4, 1}, {50, 50, 33}, {9, 1, 130}, {4, 6, 3072}};
        for (int[] size : sizes) {
            int srcRows = size[0], outRows = size[1], cols = size[2];
            Pair src = h.matrix(srcRows, cols);
            Pair out = h.matrix(outRows, cols);
            int[] rows = new int[outRows];
            for (int i = 0; i < outRows; i++) rows[i] = h.random.nextInt(srcRows);
            h.check("gatherRows " + srcRows + "x" + cols + " -> " + (outRows <= 8 ? java.util.Arrays.toString(rows) : outRows + " rows")
                    + ", src " + src.layout() + ", out " + out.layout(), b -> b.gatherRows(src.on(b), rows, out.on(b)), out);
        }
    }

    private static void fill(Harness h) {
        for (long[] shape : shapes(h)) {
            for (boolean unitInner : new boolean[] {true, false}) {
                Pair dst = h.strided(shape, unitInner);
                float value = (float) h.uniform(-3, 3);
                h.check("fill " + Harness.shape(shape) + " " + dst.layout() + " with " + value,
                        b -> b.fill(dst.on(b), value), dst);
            }
        }
    }
}
