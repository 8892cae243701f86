package flowscale.runtime.model;

/**
 * The fixed 2-D sin-cos position embedding of DiT ({@code get_2d_sincos_pos_embed}), computed rather
 * than stored. For the token in grid row {@code gy} and column {@code gx} (token index
 * {@code gy * grid + gx}), the first half of the width embeds {@code gx} and the second half {@code gy};
 * each half is the 1-D embedding {@code [sin(pos * w_0..), cos(pos * w_0..)]} with
 * {@code w_i = 10000^(-i / (dim/4))}.
 */
public final class PositionEmbedding {
    private PositionEmbedding() {}

    /** The table {@code [grid*grid, dim]}, row-major; {@code dim} must be a multiple of 4. */
    public static float[] table(int grid, int dim) {
        if (dim % 4 != 0) throw new IllegalArgumentException("position embedding width " + dim + " is not a multiple of 4");
        int half = dim / 2;
        int quarter = dim / 4;
        float[] out = new float[grid * grid * dim];
        for (int gy = 0; gy < grid; gy++) {
            for (int gx = 0; gx < grid; gx++) {
                int row = (gy * grid + gx) * dim;
                oneDimension(gx, quarter, out, row);
                oneDimension(gy, quarter, out, row + half);
            }
        }
        return out;
    }

    private static void oneDimension(int pos, int quarter, float[] out, int at) {
        for (int i = 0; i < quarter; i++) {
            double omega = Math.pow(10000.0, -(double) i / quarter);
            double angle = pos * omega;
            out[at + i] = (float) Math.sin(angle);
            out[at + quarter + i] = (float) Math.cos(angle);
        }
    }
}
