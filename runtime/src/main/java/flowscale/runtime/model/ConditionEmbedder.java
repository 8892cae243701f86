package flowscale.runtime.model;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code cond_embedder} and {@code y_embedder}. A prompt becomes one token per group slot
 * (G = max_groups): {@code count[n] + colour[c] + shape[s] + slot[g]} for a filled slot and
 * {@code null + slot[g]} for an empty one (fewer groups, or the null condition of classifier-free
 * guidance). The pooled vector, the mean of the G tokens, goes through {@code y_embedder.mlp.0}, SiLU,
 * {@code y_embedder.mlp.2}.
 *
 * <p>The lookup is tiny and done on the host; a condition's tokens are computed once and cached, so
 * the search's repeated calls with the same prompts create no garbage.
 */
public final class ConditionEmbedder {
    /** Distinct conditions remembered before the cache is cleared. */
    private static final int CACHE_LIMIT = 4096;

    private final DiTConfig config;
    private final DiTWeights w;
    private final Map<Condition, float[]> cache = new HashMap<>();
    /** Per condition: {@code G*D} token floats, then {@code D} pooled floats. */
    private final float[] nullCondition;

    ConditionEmbedder(DiTWeights weights) {
        this.config = weights.config;
        this.w = weights;
        this.nullCondition = embed(Condition.NONE);
    }

    /**
     * Writes the tokens of {@code cond} (or of the null condition when {@code cond} is null) for batch
     * row {@code row} into the workspace's host staging arrays.
     */
    void stage(Condition cond, int row, Workspace ws) {
        float[] e = cond == null ? nullCondition : prepare(cond);
        int tokenFloats = config.maxGroups() * config.hiddenSize();
        System.arraycopy(e, 0, ws.conditionTokens, row * tokenFloats, tokenFloats);
        System.arraycopy(e, tokenFloats, ws.pooled, row * config.hiddenSize(), config.hiddenSize());
    }

    /**
     * The embedding of {@code cond} (tokens then pooled vector), computed once and cached.
     *
     * @throws IllegalArgumentException for more groups than slots or ids outside the tables
     */
    float[] prepare(Condition cond) {
        float[] e = cache.get(cond);
        if (e == null) {
            e = embed(cond);
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(cond, e);
        }
        return e;
    }

    /** Uploads the staged rows and runs {@code y_embedder}: tokens into the sequence, pooled into {@code v.conditionEmbedding}. */
    void forward(Workspace.Views v, Workspace ws, Linear mlp0, Linear mlp2) {
        var be = v.x.backend();
        be.upload(ws.conditionTokens, 0, v.xCondition3d);
        be.upload(ws.pooled, 0, v.pooledCondition);
        mlp0.forward(v.pooledCondition, v.embedderHidden);
        be.silu(v.embedderHidden, v.embedderHidden);
        mlp2.forward(v.embedderHidden, v.conditionEmbedding);
    }

    private float[] embed(Condition cond) {
        return embed(config, w.condEmbedderCount, w.condEmbedderColour, w.condEmbedderShape, w.condEmbedderSlot,
                w.condEmbedderNull, cond);
    }

    /**
     * The tokens of {@code cond} from the given {@code cond_embedder} tables (row-major {@code [rows, D]}):
     * {@code G*D} token floats, then the {@code D} floats of their mean, summed in double. The trainer calls
     * this with its current tables, so training and inference embed a condition identically.
     *
     * @throws IllegalArgumentException for more groups than slots or ids outside the tables
     */
    public static float[] embed(DiTConfig config, float[] count, float[] colour, float[] shape, float[] slotTable,
                                float[] nullTable, Condition cond) {
        int d = config.hiddenSize();
        int g = config.maxGroups();
        int[][] groups = cond.groups();
        if (groups.length > g) {
            throw new IllegalArgumentException("condition '" + cond + "' has " + groups.length + " groups; the model takes at most " + g);
        }
        float[] out = new float[g * d + d];
        double[] pooled = new double[d];
        for (int slot = 0; slot < g; slot++) {
            double[] token = new double[d];
            if (slot < groups.length) {
                int[] group = groups[slot];
                addRow(token, count, check(cond, "count", group[0], config.maxCount() + 1), d);
                addRow(token, colour, check(cond, "colour", group[1], config.numColours()), d);
                addRow(token, shape, check(cond, "shape", group[2], config.numShapes()), d);
            } else {
                addRow(token, nullTable, 0, d);
            }
            addRow(token, slotTable, slot, d);
            for (int j = 0; j < d; j++) {
                out[slot * d + j] = (float) token[j];
                pooled[j] += token[j];
            }
        }
        for (int j = 0; j < d; j++) out[g * d + j] = (float) (pooled[j] / g);
        return out;
    }

    private static int check(Condition cond, String what, int id, int limit) {
        if (id < 0 || id >= limit) {
            throw new IllegalArgumentException("condition '" + cond + "': " + what + " id " + id + " outside [0, " + limit + ")");
        }
        return id;
    }

    private static void addRow(double[] acc, float[] table, int row, int d) {
        for (int j = 0; j < d; j++) acc[j] += table[row * d + j];
    }
}
