package flowscale.runtime.model.text;

import flowscale.loader.SafetensorsFile;
import flowscale.loader.TensorInfo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteOrder;
import java.nio.file.Path;

/** The text-encoder fixtures copied into the test resources (see {@code text-encoders/README.md}). */
public final class TextGoldens {
    private TextGoldens() {}

    /** {@code text-encoders/<name>} on the test class path. */
    public static Path resource(String name) {
        URL url = TextGoldens.class.getResource("/text-encoders/" + name);
        if (url == null) throw new IllegalStateException("test resource text-encoders/" + name + " is missing");
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An I64 {@code [batch, seq]} tensor of token ids as int rows. */
    public static int[][] ids(SafetensorsFile golden, String name) {
        TensorInfo t = golden.tensor(name);
        int batch = Math.toIntExact(t.dim(0)), seq = Math.toIntExact(t.dim(1));
        MemorySegment bytes = golden.bytes(name);
        int[][] ids = new int[batch][seq];
        for (int b = 0; b < batch; b++) {
            for (int s = 0; s < seq; s++) {
                long v = bytes.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), (long) b * seq + s);
                ids[b][s] = Math.toIntExact(v);
            }
        }
        return ids;
    }

    /** Largest |a - b| over the arrays divided by the largest |b| (the golden's scale). */
    public static double relativeError(float[] actual, float[] golden) {
        if (actual.length != golden.length) {
            throw new AssertionError(actual.length + " values, golden has " + golden.length);
        }
        double worst = 0, scale = 0;
        for (int i = 0; i < golden.length; i++) {
            double diff = Math.abs((double) actual[i] - golden[i]);
            if (!(diff <= worst)) worst = diff; // NaN propagates
            scale = Math.max(scale, Math.abs(golden[i]));
        }
        return worst / scale;
    }
}
