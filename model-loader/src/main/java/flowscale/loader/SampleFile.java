package flowscale.loader;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * A small, valid demonstration checkpoint: a few DiT-style tensors in F32, BF16 and F16, an I64 scalar and some
 * metadata, with deterministic values. It exists so that {@code flowscale inspect} can be shown on a real file
 * before trained weights are shipped.
 */
public final class SampleFile {
    private SampleFile() {
    }

    /** The writer holding the sample; callers may add more before writing. */
    public static SafetensorsWriter build() {
        SafetensorsWriter w = new SafetensorsWriter()
                .metadata("format", "pt")
                .metadata("flowscale.sample", "true")
                .metadata("description", "demonstration checkpoint written by flowscale; values are not trained");
        w.addF32("blocks.0.attn.qkv.weight", new long[] {12, 4}, wave(48, 0.5));
        w.addF32("blocks.0.attn.qkv.bias", new long[] {12}, wave(12, 1.5));
        w.addBf16("final_layer.linear.weight", new long[] {8, 4}, wave(32, 2.5));
        w.addF16("pos_embed", new long[] {1, 16, 4}, wave(64, 3.5));
        byte[] step = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array();
        w.add("train_step", DType.I64, new long[] {}, step);
        return w;
    }

    /** Writes the sample to {@code target} (atomically). */
    public static void write(Path target) {
        build().write(target);
    }

    /** Deterministic values in [-1, 1] that differ between tensors (by phase). */
    private static float[] wave(int n, double phase) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) Math.sin(phase + 0.37 * i);
        }
        return v;
    }
}
