package flowscale.runtime.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code cond_embedder}. A prompt becomes one token per group slot (G = max_groups):
 * {@code count[n] + colour[c] + shape[s] + slot[g]} for a filled slot and {@code null + slot[g]} for an
 * empty one (fewer groups, or the null condition of classifier-free guidance). The pooled vector, the
 * mean of the G tokens, is what {@code y_embedder} embeds.
 *
 * <p>The lookup is tiny and done on the host. For inference a condition's tokens are computed once and
 * cached, so the search's repeated calls with the same prompts create no garbage; the trainer calls
 * {@link #embed} and {@link #embedBackward} with its current tables.
 */
public final class ConditionEmbedder {
    /** The tables' checkpoint keys; {@link #embed} takes the tables in this order. */
    public static final List<String> TABLE_KEYS = List.of("cond_embedder.count.weight", "cond_embedder.colour.weight",
            "cond_embedder.shape.weight", "cond_embedder.slot.weight", "cond_embedder.null.weight");
    private static final int COUNT = 0, COLOUR = 1, SHAPE = 2, SLOT = 3, NULL = 4;
    /** Distinct conditions remembered before the cache is cleared. */
    private static final int CACHE_LIMIT = 4096;

    private final DiTConfig config;
    private final float[][] tables;
    private final Map<Condition, float[]> cache = new HashMap<>();
    /** Per condition: {@code G*D} token floats, then {@code D} pooled floats. */
    private final float[] nullCondition;

    ConditionEmbedder(DiTWeights w) {
        this.config = w.config;
        this.tables = new float[][] {w.condEmbedderCount, w.condEmbedderColour, w.condEmbedderShape, w.condEmbedderSlot,
            w.condEmbedderNull};
        this.nullCondition = embed(config, tables, Condition.NONE);
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
            e = embed(config, tables, cond);
            if (cache.size() >= CACHE_LIMIT) cache.clear();
            cache.put(cond, e);
        }
        return e;
    }

    /**
     * The tokens of {@code cond} from the given tables (row-major {@code [rows, D]}, in {@link #TABLE_KEYS}
     * order): {@code G*D} token floats, then the {@code D} floats of their mean, summed in double.
     *
     * @throws IllegalArgumentException for more groups than slots or ids outside the tables
     */
    public static float[] embed(DiTConfig config, float[][] tables, Condition cond) {
        int d = config.hiddenSize();
        int g = config.maxGroups();
        if (cond.groups().length > g) {
            throw new IllegalArgumentException("condition '" + cond + "' has " + cond.groups().length + " groups; the model takes at most " + g);
        }
        float[] out = new float[g * d + d];
        double[] pooled = new double[d];
        for (int slot = 0; slot < g; slot++) {
            double[] token = new double[d];
            forEachRow(config, cond, slot, (table, row) -> {
                for (int j = 0; j < d; j++) token[j] += tables[table][row * d + j];
            });
            for (int j = 0; j < d; j++) {
                out[slot * d + j] = (float) token[j];
                pooled[j] += token[j];
            }
        }
        for (int j = 0; j < d; j++) out[g * d + j] = (float) (pooled[j] / g);
        return out;
    }

    /**
     * The backward of {@link #embed} for one condition: with the gradients of its tokens ({@code G*D} floats
     * of {@code dTokens} from {@code tokensAt}) and of its pooled vector ({@code D} floats of {@code dPooled}
     * from {@code pooledAt}), a table row used by slot {@code s} receives {@code dToken[s] + dPooled / G}
     * (the pooled vector is the tokens' mean), added to {@code grads} (in {@link #TABLE_KEYS} order).
     */
    public static void embedBackward(DiTConfig config, Condition cond, float[] dTokens, int tokensAt, float[] dPooled,
                                     int pooledAt, double[][] grads) {
        int d = config.hiddenSize();
        int g = config.maxGroups();
        for (int slot = 0; slot < g; slot++) {
            int at = tokensAt + slot * d;
            forEachRow(config, cond, slot, (table, row) -> {
                for (int j = 0; j < d; j++) grads[table][row * d + j] += dTokens[at + j] + (double) dPooled[pooledAt + j] / g;
            });
        }
    }

    private interface RowUse {
        void accept(int table, int row);
    }

    /** The table rows whose sum is slot {@code slot}'s token, in the order they are added. */
    private static void forEachRow(DiTConfig config, Condition cond, int slot, RowUse use) {
        int[][] groups = cond.groups();
        if (slot < groups.length) {
            int[] group = groups[slot];
            use.accept(COUNT, check(cond, "count", group[0], config.maxCount() + 1));
            use.accept(COLOUR, check(cond, "colour", group[1], config.numColours()));
            use.accept(SHAPE, check(cond, "shape", group[2], config.numShapes()));
        } else {
            use.accept(NULL, 0);
        }
        use.accept(SLOT, slot);
    }

    private static int check(Condition cond, String what, int id, int limit) {
        if (id < 0 || id >= limit) {
            throw new IllegalArgumentException("condition '" + cond + "': " + what + " id " + id + " outside [0, " + limit + ")");
        }
        return id;
    }
}
