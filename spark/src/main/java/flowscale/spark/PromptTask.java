package flowscale.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.kernels.NoiseScheme;
import flowscale.runtime.UserError;
import flowscale.runtime.application.ImageOutputs;
import flowscale.runtime.application.LoadedModel;
import flowscale.runtime.application.PromptRun;
import flowscale.runtime.application.RunInfo;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.search.SearchConfig;
import flowscale.runtime.search.SearchListener;
import flowscale.runtime.search.SearchMethod;
import flowscale.runtime.search.SearchMethods;
import flowscale.runtime.search.SearchProblem;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.util.LongAccumulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * What an executor does with one prompt: skip it when its directory is complete; else lease the JVM's model, run the
 * search as {@code generate --prompts} runs it ({@link PromptRun}), write the directory on local disk and commit it to
 * the output ({@link Output#commit}). A bad row (an unparseable prompt, an unknown method or sampler, a setting the
 * method refuses) becomes a failed result row with its one-line error, never a failed task; an I/O failure on the
 * output fails the task, which Spark retries.
 */
final class PromptTask implements Function<PromptRow, ResultRow> {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Largest budget a row may ask for, as {@code generate --budget} allows. */
    static final long MAX_BUDGET = 1_000_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final BatchSettings settings;
    private final HadoopConf conf;
    private final LongAccumulator promptsDone;
    private final LongAccumulator nfeSpent;

    PromptTask(BatchSettings settings, HadoopConf conf, LongAccumulator promptsDone, LongAccumulator nfeSpent) {
        this.settings = settings;
        this.conf = conf;
        this.promptsDone = promptsDone;
        this.nfeSpent = nfeSpent;
    }

    @Override
    public ResultRow call(PromptRow row) throws IOException {
        long start = System.nanoTime();
        ResultRow result = run(row, start);
        promptsDone.add(1);
        if (result.status().equals(ResultRow.RAN) && result.nfe() != null) nfeSpent.add(result.nfe());
        return result;
    }

    private ResultRow run(PromptRow row, long start) throws IOException {
        String executor = executor();
        if (row.error() != null) return ResultRow.failed(row, row.error(), millisSince(start), executor);
        FileSystem fs = Output.fileSystem(settings.out(), conf.get());
        Path out = new Path(settings.out());
        String name = row.directory();
        if (Output.complete(fs, out, name)) {
            try (InputStream in = fs.open(new Path(new Path(out, name), ImageOutputs.TRACE))) {
                return ResultRow.of(row, ResultRow.SKIPPED, null, JSON.readTree(in), millisSince(start), executor);
            }
        }
        SearchMethod method;
        Sampler sampler;
        NoiseScheme noise;
        try {
            if (row.budget() < 1 || row.budget() > MAX_BUDGET) {
                throw new UserError("budget must be in 1.." + MAX_BUDGET + " NFE, got " + row.budget());
            }
            if (!SearchMethods.names().contains(row.method())) {
                throw new UserError("unknown method '" + row.method() + "'; known: " + String.join(", ", SearchMethods.names()));
            }
            sampler = Sampler.named(row.sampler()).withSteps(settings.steps()).withEstimate(Estimate.parse(settings.estimate()));
            noise = NoiseScheme.named(settings.noiseScheme());
            SearchConfig config = SearchConfig.parse(settings.searchOptions());
            if (settings.rbfVariant() != null) {
                if (!row.method().equals("rbf")) throw new UserError("--rbf-variant only applies to method rbf, not " + row.method());
                config = config.with("variant", settings.rbfVariant().toLowerCase(Locale.ROOT));
            }
            method = SearchMethods.create(row.method(), config);
        } catch (RuntimeException e) {
            return ResultRow.failed(row, UserError.oneLine(e.getMessage()), millisSince(start), executor);
        }
        ModelCache.Key key = new ModelCache.Key(settings.model(), settings.backend(), settings.devices(), settings.cfg());
        try (ModelCache.Lease lease = ModelCache.lease(key)) {
            LoadedModel loaded = lease.model().loaded();
            Reward reward;
            Condition condition;
            PromptRun.Searched searched;
            try {
                reward = loaded.reward(settings.reward() == null ? loaded.defaultReward() : settings.reward().toLowerCase(Locale.ROOT));
                condition = loaded.condition(row.prompt());
                SearchProblem problem = new SearchProblem(loaded.model(), sampler, reward, condition, row.budget(), row.seed(), 0,
                        SearchListener.NONE).withNoiseScheme(noise);
                searched = PromptRun.search(method, problem);
            } catch (RuntimeException e) {
                return ResultRow.failed(row, UserError.oneLine(e.getMessage()), millisSince(start), executor);
            }
            java.nio.file.Path local = Files.createTempDirectory("flowscale-batch-");
            try {
                java.nio.file.Path dir = local.resolve(name);
                PromptRun.Provenance provenance = new PromptRun.Provenance(row.prompt(), settings.input(), row.index() - 1,
                        row.line(), name, settings.model(), loaded.kind(), lease.model().fingerprint(), settings.cfg(),
                        null, settings.backend(), settings.devices(), settings.arguments());
                PromptRun.write(dir, loaded, searched.result(), reward, new RunInfo(row.prompt(), settings.model(), row.seed()),
                        provenance);
                JsonNode trace = JSON.readTree(dir.resolve(ImageOutputs.TRACE).toFile());
                Output.commit(fs, dir, out, name, attempt());
                String error = searched.failure() == null ? null : "search stopped: "
                        + UserError.oneLine(String.valueOf(searched.failure().getCause() == null
                        ? searched.failure().getMessage() : searched.failure().getCause().getMessage()));
                return ResultRow.of(row, error == null ? ResultRow.RAN : ResultRow.FAILED, error, trace, millisSince(start),
                        executor);
            } finally {
                deleteRecursively(local);
            }
        }
    }

    private static double millisSince(long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    /** The executor's id ({@code driver} in local mode), for the results table. */
    private static String executor() {
        SparkEnv env = SparkEnv.get();
        return env == null ? null : env.executorId();
    }

    /** A name no other attempt of any run has: the task attempt's id in this application plus a random part. */
    private static String attempt() {
        TaskContext task = TaskContext.get();
        String id = task == null ? "local" : task.stageId() + "-" + task.partitionId() + "-" + task.attemptNumber();
        return id + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void deleteRecursively(java.nio.file.Path dir) {
        try (Stream<java.nio.file.Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            // A leftover in the temporary directory does not change the result.
        }
    }
}
