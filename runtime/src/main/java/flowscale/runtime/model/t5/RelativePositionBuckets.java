package flowscale.runtime.model.t5;

/**
 * T5's bidirectional relative-position buckets: half of the buckets for keys after the query, half for keys at
 * or before it; within a half, distances below a quarter of the buckets get one bucket each and longer ones
 * share log-spaced buckets up to {@code maxDistance}, beyond which all fall in the last bucket.
 *
 * <p>The log-spaced index is formed in float32 and truncated, as transformers does it in float32 tensors, so
 * that a distance on a bucket boundary falls on the same side; at the boundaries that matter (distance
 * {@code maxExact * 2^k} with the default 32 buckets and distance 128) the float32 quotient is exact.
 */
public final class RelativePositionBuckets {
    private RelativePositionBuckets() {}

    /** The bucket of a key {@code relative = key - query} positions from its query. */
    public static int bucket(int relative, int numBuckets, int maxDistance) {
        int half = numBuckets / 2;
        int base = relative > 0 ? half : 0;
        int n = Math.abs(relative);
        int maxExact = half / 2;
        if (n < maxExact) return base + n;
        float ratio = (float) n / maxExact;
        float logSpan = (float) Math.log((double) maxDistance / maxExact);
        float scaled = (float) Math.log(ratio) / logSpan * (half - maxExact);
        return base + Math.min(maxExact + (int) scaled, half - 1);
    }

    /**
     * The additive attention bias {@code [heads*seq, seq]} for a sequence of {@code seq} tokens: row
     * {@code h*seq + i}, column {@code j} holds {@code table[bucket(j - i), h]}, from the learned
     * {@code relative_attention_bias} table {@code [buckets, heads]} (row-major).
     */
    public static float[] bias(float[] table, int heads, int seq, int numBuckets, int maxDistance) {
        if (table.length != numBuckets * heads) {
            throw new IllegalArgumentException("relative bias table has " + table.length + " values, expected "
                    + numBuckets + " x " + heads);
        }
        int[] bucketOf = new int[2 * seq - 1]; // by relative position + seq - 1
        for (int r = -(seq - 1); r <= seq - 1; r++) bucketOf[r + seq - 1] = bucket(r, numBuckets, maxDistance);
        float[] out = new float[heads * seq * seq];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < seq; i++) {
                int row = (h * seq + i) * seq;
                for (int j = 0; j < seq; j++) out[row + j] = table[bucketOf[j - i + seq - 1] * heads + h];
            }
        }
        return out;
    }
}
