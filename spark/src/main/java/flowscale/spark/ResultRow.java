package flowscale.spark;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;

/**
 * One row of the batch's results table: the prompt and its settings, how it ended ({@link #RAN}, {@link #SKIPPED}
 * because its directory was complete before the job, or {@link #FAILED} with the one-line error), and from its trace
 * the best reward, NFE, reward calls and the time split. {@code taskMs} is the task's wall time on its executor
 * (model lease, search, writing and committing the directory); what it adds to {@code totalMs} is the batch's cost.
 * Null numbers are unknown (a row that failed before its search).
 */
public record ResultRow(int index, int line, String directory, String prompt, long seed, String method, String sampler,
                        long budget, String status, String error, Double reward, Long nfe, Long rewardCalls,
                        Double totalMs, Double modelMs, Double rewardMs, Double searchMs, double taskMs, String executor)
        implements Serializable {
    public static final String RAN = "ran", SKIPPED = "skipped", FAILED = "failed";

    /** The columns of the results table, in order. */
    public static final StructType SCHEMA = new StructType(new StructField[] {
            DataTypes.createStructField("index", DataTypes.IntegerType, false),
            DataTypes.createStructField("line", DataTypes.IntegerType, false),
            DataTypes.createStructField("directory", DataTypes.StringType, true),
            DataTypes.createStructField("prompt", DataTypes.StringType, true),
            DataTypes.createStructField("seed", DataTypes.LongType, false),
            DataTypes.createStructField("method", DataTypes.StringType, true),
            DataTypes.createStructField("sampler", DataTypes.StringType, true),
            DataTypes.createStructField("budget", DataTypes.LongType, false),
            DataTypes.createStructField("status", DataTypes.StringType, false),
            DataTypes.createStructField("error", DataTypes.StringType, true),
            DataTypes.createStructField("reward", DataTypes.DoubleType, true),
            DataTypes.createStructField("nfe", DataTypes.LongType, true),
            DataTypes.createStructField("rewardCalls", DataTypes.LongType, true),
            DataTypes.createStructField("totalMs", DataTypes.DoubleType, true),
            DataTypes.createStructField("modelMs", DataTypes.DoubleType, true),
            DataTypes.createStructField("rewardMs", DataTypes.DoubleType, true),
            DataTypes.createStructField("searchMs", DataTypes.DoubleType, true),
            DataTypes.createStructField("taskMs", DataTypes.DoubleType, false),
            DataTypes.createStructField("executor", DataTypes.StringType, true)});

    /** A row that did not run, with its error. */
    static ResultRow failed(PromptRow p, String error, double taskMs, String executor) {
        return new ResultRow(p.index(), p.line(), p.prompt() == null ? null : p.directory(), p.prompt(), p.seed(), p.method(),
                p.sampler(), p.budget(), FAILED, error, null, null, null, null, null, null, null, taskMs, executor);
    }

    /**
     * A row whose search ran (now or before) with the numbers of its {@code trace.json}; {@code error} is set when the
     * search failed. The reward is null when the search found nothing finite.
     */
    static ResultRow of(PromptRow p, String status, String error, JsonNode trace, double taskMs, String executor) {
        JsonNode best = trace.path("best").path("reward");
        JsonNode tm = trace.path("timings");
        return new ResultRow(p.index(), p.line(), p.directory(), p.prompt(), p.seed(), p.method(), p.sampler(), p.budget(),
                status, error, best.isNumber() ? best.asDouble() : null, trace.path("nfe").asLong(),
                trace.path("rewardCalls").asLong(), tm.path("totalMs").asDouble(), tm.path("modelMs").asDouble(),
                tm.path("rewardMs").asDouble(), tm.path("searchMs").asDouble(), taskMs, executor);
    }

    Row toRow() {
        return RowFactory.create(index, line, directory, prompt, seed, method, sampler, budget, status, error, reward, nfe,
                rewardCalls, totalMs, modelMs, rewardMs, searchMs, taskMs, executor);
    }
}
