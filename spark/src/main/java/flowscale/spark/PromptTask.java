package flowscale.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.kernels.NoiseScheme;
import flowscale.runtime.UserError;
import flowscale.runtime.application.ImageOutputs;
import flowscale.runtime.application.LoadedModel;
import flowscale.runtime.application.PromptRun;
import flowscale.runtime.application.RunInfo;
import flowscale.runtime.application.SearchBatch;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.VelocityModel;
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
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.util.LongAccumulator;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serial;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * What an executor does with a partition of prompts (one, or up to {@code --concurrent-searches} of them): skip a
 * prompt whose directory is complete; else lease the JVM's model, run the searches as {@code generate --prompts} runs
 * them ({@link PromptRun}; with several in the partition they advance together and share model calls,
 * {@link SearchBatch}, each with the result it gets alone), write each directory on local disk and commit it to the
 * output ({@link Output#commit}). A bad row (an unparseable prompt, an unknown method or sampler, a setting the method
 * refuses) becomes a failed result row with its one-line error, never a failed task; an I/O failure on the output
 * fails the task, which Spark retries (the prompts it committed are skipped then).
 */
final class PromptTask implements FlatMapFunction<Iterator<PromptRow>, ResultRow> {
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

    /** A row whose search is to run: its method, sampler and noise, checked. */
    private record Pending(PromptRow row, SearchMethod method, Sampler sampler, NoiseScheme noise) {}

    @Override
    public Iterator<ResultRow> call(Iterator<PromptRow> partition) throws IOException {
        long start = System.nanoTime();
        List<PromptRow> rows = new ArrayList<>();
        partition.forEachRemaining(rows::add);
        ResultRow[] results = new ResultRow[rows.size()];
        List<Integer> pendingAt = new ArrayList<>();
        List<Pending> pending = new ArrayList<>();
        FileSystem fs = Output.fileSystem(settings.out(), conf.get());
        for (int i = 0; i < rows.size(); i++) {
            Object prepared = prepare(fs, rows.get(i), start);
            if (prepared instanceof ResultRow done) {
                results[i] = finished(done);
            } else {
                pendingAt.add(i);
                pending.add((Pending) prepared);
            }
        }
        if (!pending.isEmpty()) {
            ResultRow[] ran = search(fs, pending, start);
            for (int k = 0; k < ran.length; k++) results[pendingAt.get(k)] = ran[k];
        }
        return Arrays.asList(results).iterator();
    }

    private ResultRow finished(ResultRow result) {
        promptsDone.add(1);
        if (result.status().equals(ResultRow.RAN) && result.nfe() != null) nfeSpent.add(result.nfe());
        return result;
    }

    /** The row's result when it needs no search (a bad row, a complete directory), else its {@link Pending} search. */
    private Object prepare(FileSystem fs, PromptRow row, long start) throws IOException {
        String executor = executor();
        if (row.error() != null) return ResultRow.failed(row, row.error(), millisSince(start), executor);
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
        return new Pending(row, method, sampler, noise);
    }

    /**
     * The pending rows' searches on the JVM's model, {@code --concurrent-searches} at a time with shared model calls, each
     * committed as it finishes; their results in order. An I/O failure on the output is thrown once the running searches
     * have ended.
     */
    private ResultRow[] search(FileSystem fs, List<Pending> pending, long start) throws IOException {
        ModelCache.Key key = new ModelCache.Key(settings.model(), settings.backend(), settings.devices(), settings.cfg());
        ResultRow[] results = new ResultRow[pending.size()];
        try (ModelCache.Lease lease = ModelCache.lease(key)) {
            LoadedModel loaded = lease.model().loaded();
            String executor = executor();
            // Conditions (text encoders for FLUX) are made here, one after another, before the searches share the model.
            List<SearchBatch.Job<ResultRow>> jobs = new ArrayList<>();
            for (Pending p : pending) {
                Reward reward;
                Condition condition;
                try {
                    reward = loaded.reward(settings.reward() == null ? loaded.defaultReward() : settings.reward().toLowerCase(Locale.ROOT));
                    condition = loaded.condition(p.row().prompt());
                } catch (RuntimeException e) {
                    ResultRow failed = ResultRow.failed(p.row(), UserError.oneLine(e.getMessage()), millisSince(start), executor);
                    jobs.add(view -> failed);
                    continue;
                }
                jobs.add(view -> searchOne(fs, lease, loaded, p, reward, condition, view, start, executor));
            }
            IOException[] io = {null};
            RuntimeException[] other = {null};
            SearchBatch.run(loaded.model(), jobs, Math.min(pending.size(), settings.concurrentSearches()), () -> false, o -> {
                if (o.ok()) {
                    results[o.index()] = finished(o.result());
                } else if (o.failure() instanceof IOException e) {
                    if (io[0] == null) io[0] = e;
                } else if (other[0] == null) {
                    other[0] = o.failure() instanceof RuntimeException e ? e : new IllegalStateException(o.failure());
                }
            });
            if (io[0] != null) throw io[0];
            if (other[0] != null) throw other[0];
        }
        return results;
    }

    /** One row's search on {@code model} (its view of the shared model), its directory written and committed. */
    private ResultRow searchOne(FileSystem fs, ModelCache.Lease lease, LoadedModel loaded, Pending p, Reward reward,
                                Condition condition, VelocityModel model, long start, String executor) throws IOException {
        PromptRow row = p.row();
        PromptRun.Searched searched;
        try {
            SearchProblem problem = new SearchProblem(model, p.sampler(), reward, condition, row.budget(), row.seed(), 0,
                    SearchListener.NONE).withNoiseScheme(p.noise());
            searched = PromptRun.search(p.method(), problem);
        } catch (RuntimeException e) {
            return ResultRow.failed(row, UserError.oneLine(e.getMessage()), millisSince(start), executor);
        } finally {
            model.close(); // leaves the shared calls: the others go on while this one writes
        }
        String name = row.directory();
        java.nio.file.Path local = Files.createTempDirectory("flowscale-batch-");
        try {
            java.nio.file.Path dir = local.resolve(name);
            PromptRun.Provenance provenance = new PromptRun.Provenance(row.prompt(), settings.input(), row.index() - 1,
                    row.line(), name, settings.model(), loaded.kind(), lease.model().fingerprint(), settings.cfg(),
                    null, settings.backend(), settings.devices(), settings.arguments());
            PromptRun.write(dir, loaded, searched.result(), reward, new RunInfo(row.prompt(), settings.model(), row.seed()),
                    provenance);
            JsonNode trace = JSON.readTree(dir.resolve(ImageOutputs.TRACE).toFile());
            Output.commit(fs, dir, new Path(settings.out()), name, attempt());
            String error = searched.failure() == null ? null : "search stopped: "
                    + UserError.oneLine(String.valueOf(searched.failure().getCause() == null
                    ? searched.failure().getMessage() : searched.failure().getCause().getMessage()));
            return ResultRow.of(row, error == null ? ResultRow.RAN : ResultRow.FAILED, error, trace, millisSince(start), executor);
        } finally {
            deleteRecursively(local);
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
