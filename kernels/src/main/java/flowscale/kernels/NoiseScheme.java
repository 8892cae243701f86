package flowscale.kernels;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a Philox stream's words become standard normals. A scheme is part of what names a noise stream: the same
 * seed under another scheme draws other noise, so searches record the scheme they used ({@code trace.json}) and
 * every scheme stays available to reproduce old results.
 */
public enum NoiseScheme {
    /**
     * {@link Philox#fillNormal}: Box–Muller in StrictMath on word pairs. The default until issue 21; the experiment
     * tables, the model cards' held-out evaluations and the base model's main job were drawn with it, and the
     * harness and {@code evaluate} keep it (see {@link #COMMITTED_TABLES}).
     */
    BOX_MULLER_V1("boxmuller-v1") {
        @Override
        public void fill(long key, int s0, int s1, int s2, long first, float[] out, int offset, int length) {
            Philox.fillNormal(key, s0, s1, s2, first, out, offset, length);
        }

        @Override
        public float normal(long key, int s0, int s1, int s2, long index) {
            return Philox.normal(key, s0, s1, s2, index);
        }
    },
    /** {@link NormalQuantile}: a piecewise-cubic inverse CDF on one word per normal, exactly rounded operations only. */
    QUANTILE_V2("quantile-v2") {
        @Override
        public void fill(long key, int s0, int s1, int s2, long first, float[] out, int offset, int length) {
            NormalQuantile.fill(key, s0, s1, s2, first, out, offset, length);
        }

        @Override
        public float normal(long key, int s0, int s1, int s2, long index) {
            return NormalQuantile.normal(key, s0, s1, s2, index);
        }
    };

    /** Name of {@link #DEFAULT}, a constant so that command-line options can name it as their default value. */
    public static final String DEFAULT_ID = "quantile-v2";

    /**
     * The scheme used where none is chosen: {@code quantile-v2}, 3.5x faster than Box–Muller on the host and drawn
     * on the device by the backends' {@code normal} op, so that noise never crosses from host to device.
     */
    public static final NoiseScheme DEFAULT = QUANTILE_V2;

    /**
     * The scheme of the committed experiment tables and model-card evaluations, which the experiment harness and
     * {@code evaluate} keep using so that their numbers stay reproducible and comparable across versions.
     */
    public static final NoiseScheme COMMITTED_TABLES = BOX_MULLER_V1;

    private final String id;

    NoiseScheme(String id) {
        this.id = id;
    }

    /** The name users give and traces record, e.g. {@code boxmuller-v1}. */
    public String id() {
        return id;
    }

    @Override
    public String toString() {
        return id;
    }

    /**
     * Fills {@code out[offset, offset+length)} with elements {@code first .. first+length-1} of the normal stream
     * {@code (key; s0, s1, s2)}.
     */
    public abstract void fill(long key, int s0, int s1, int s2, long first, float[] out, int offset, int length);

    /** Element {@code index} of the normal stream {@code (key; s0, s1, s2)}. */
    public abstract float normal(long key, int s0, int s1, int s2, long index);

    /** The scheme named {@code id}; a one-line IllegalArgumentException naming the known ones otherwise. */
    public static NoiseScheme named(String id) {
        for (NoiseScheme s : values()) {
            if (s.id.equalsIgnoreCase(id)) return s; // names in any case, as methods, samplers and backends
        }
        throw new IllegalArgumentException("unknown noise scheme '" + id + "'; known: " + ids());
    }

    /** The known names, comma-separated. */
    public static String ids() {
        return Arrays.stream(values()).map(NoiseScheme::id).collect(Collectors.joining(", "));
    }
}
