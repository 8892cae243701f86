package flowscale.runtime.model.flux;

/**
 * BFL's {@code EmbedND}: the rotary angles of every token of the joint sequence from its three position ids
 * (index, row, column). The head dim is split into the axes' dims in order; in axis {@code a} of dim
 * {@code d}, pair {@code j} turns by {@code pos_a * theta^(-2j/d)}. Computed in double and rounded once, as
 * BFL computes it in float64 and casts to float32.
 */
final class RotaryTable {
    private RotaryTable() {}

    /** {@code [seq, headDim]}: {@code (cos, sin)} of pair {@code p} at columns {@code (2p, 2p+1)}; {@code ids} is {@code [seq, 3]}. */
    static float[] of(FluxConfig c, float[] ids, int seq) {
        int[] axes = c.axesDim();
        int hd = c.headDim();
        float[] table = new float[seq * hd];
        for (int s = 0; s < seq; s++) {
            int col = 0;
            for (int a = 0; a < axes.length; a++) {
                double pos = ids[s * axes.length + a];
                for (int j = 0; j < axes[a] / 2; j++) {
                    double omega = 1.0 / Math.pow(c.theta(), 2.0 * j / axes[a]);
                    double angle = pos * omega;
                    table[s * hd + col] = (float) Math.cos(angle);
                    table[s * hd + col + 1] = (float) Math.sin(angle);
                    col += 2;
                }
            }
        }
        return table;
    }
}
