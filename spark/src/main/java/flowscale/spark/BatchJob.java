package flowscale.spark;

import flowscale.runtime.UserError;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The batch on the driver: reads the prompts, runs one Spark task per prompt ({@link PromptTask}), prints progress
 * (prompts done, NFE spent, time left), then writes the results table as {@code results.parquet} and
 * {@code results.csv} under the output and removes what killed attempts left in {@link Output#TEMPORARY}.
 */
public final class BatchJob {
    /** Directory names of the results table under the output. */
    public static final String RESULTS_PARQUET = "results.parquet", RESULTS_CSV = "results.csv";

    /** How often the driver prints progress while prompts run. */
    static final long PROGRESS_SECONDS = 5;

    /** What a finished batch did: every row, in input order. */
    public record Summary(List<ResultRow> rows, double seconds) {
        public long count(String status) {
            return rows.stream().filter(r -> r.status().equals(status)).count();
        }
    }

    private BatchJob() {}

    public static Summary run(SparkSession spark, BatchSettings settings, PrintWriter progress) throws IOException {
        long start = System.nanoTime();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        List<PromptRow> rows = BatchInput.read(spark, settings, hadoop);
        FileSystem fs = Output.fileSystem(settings.out(), hadoop);
        Path out = new Path(settings.out());
        if (fs.exists(out) && !fs.getFileStatus(out).isDirectory()) {
            throw new UserError("--out " + settings.out() + " is a file; give a directory");
        }
        fs.mkdirs(out);
        Path temporary = new Path(out, Output.TEMPORARY);
        fs.delete(temporary, true);

        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        LongAccumulator done = jsc.sc().longAccumulator("prompts done");
        LongAccumulator nfe = jsc.sc().longAccumulator("NFE spent");
        jsc.setJobDescription("flowscale batch: " + rows.size() + " prompts into " + settings.out());
        long planned = rows.stream().filter(r -> r.error() == null).mapToLong(PromptRow::budget).sum();
        progress.printf(Locale.ROOT, "batch: %d prompts (%d NFE at most) on %s into %s%n", rows.size(), planned,
                spark.sparkContext().master(), settings.out());
        progress.flush();

        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "flowscale-batch-progress");
            t.setDaemon(true);
            return t;
        });
        long[] last = {-1};
        ticker.scheduleAtFixedRate(() -> report(progress, done.value(), nfe.value(), rows.size(), start, last),
                PROGRESS_SECONDS, PROGRESS_SECONDS, TimeUnit.SECONDS);
        List<ResultRow> results;
        try {
            // One partition per prompt (or per --concurrent-searches prompts, which then share model calls): tasks are as
            // fine as the work, so a lost executor costs one search each (or the partition's).
            int partitions = Math.max(1, (rows.size() + settings.concurrentSearches() - 1) / settings.concurrentSearches());
            results = new ArrayList<>(jsc.parallelize(rows, partitions)
                    .mapPartitions(new PromptTask(settings, new HadoopConf(hadoop), done, nfe)).collect());
        } finally {
            ticker.shutdownNow();
        }
        results.sort(Comparator.comparingInt(ResultRow::index));
        report(progress, results.size(), nfe.value(), rows.size(), start, new long[] {-1});

        List<Row> table = results.stream().map(ResultRow::toRow).toList();
        Dataset<Row> frame = spark.createDataFrame(table, ResultRow.SCHEMA).coalesce(1);
        jsc.setJobDescription("flowscale batch: results table");
        frame.write().mode(SaveMode.Overwrite).parquet(new Path(out, RESULTS_PARQUET).toString());
        frame.write().mode(SaveMode.Overwrite).option("header", "true").csv(new Path(out, RESULTS_CSV).toString());
        fs.delete(temporary, true);
        Summary summary = new Summary(results, (System.nanoTime() - start) / 1e9);
        progress.printf(Locale.ROOT, "batch: %d ran, %d skipped (complete before), %d failed (see the error column); results in %s and %s%n",
                summary.count(ResultRow.RAN), summary.count(ResultRow.SKIPPED), summary.count(ResultRow.FAILED),
                new Path(out, RESULTS_PARQUET), new Path(out, RESULTS_CSV));
        progress.flush();
        return summary;
    }

    /** One progress line, printed when the count changed: prompts done, NFE spent, elapsed and estimated time left. */
    private static void report(PrintWriter progress, long done, long nfe, int total, long start, long[] last) {
        if (done == last[0]) return;
        last[0] = done;
        double elapsed = (System.nanoTime() - start) / 1e9;
        String eta = done == 0 ? "unknown" : String.format(Locale.ROOT, "%.0f s", elapsed / done * (total - done));
        progress.printf(Locale.ROOT, "batch: %d/%d prompts done, %d NFE spent, %.0f s elapsed, about %s left%n",
                done, total, nfe, elapsed, eta);
        progress.flush();
    }
}
