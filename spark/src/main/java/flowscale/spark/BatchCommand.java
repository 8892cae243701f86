package flowscale.spark;

import flowscale.kernels.NoiseScheme;
import flowscale.runtime.UserError;
import flowscale.runtime.application.DefaultModel;
import flowscale.runtime.application.SearchBatch;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.search.SearchConfig;
import flowscale.runtime.search.SearchMethods;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code flowscale batch}: {@code generate}'s search over every prompt of a file or table, as a Spark application.
 * The driver runs here (in {@code ./flowscale batch} or under {@code spark-submit}); each prompt is one task.
 */
@Command(name = "flowscale batch", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"Run generate's search over many prompts as an Apache Spark application (one task per prompt, or",
                "per --concurrent-searches prompts, whose searches then share model calls).",
                "",
                "--prompts takes a prompts file (one prompt per line, as generate --prompts reads it) or a table:",
                "FILE.csv (with a header), FILE.json / .jsonl (JSON lines), FILE.parquet or a directory of Parquet",
                "files, with a 'prompt' column and optional 'seed', 'method', 'sampler' and 'budget' columns that",
                "override the options below for their row.",
                "",
                "Writes into --out (any Hadoop FileSystem path: a local directory, hdfs://, s3a:// with its jars):",
                "  NNN-slug/            each prompt's directory, exactly as generate --prompts writes it",
                "  results.parquet/     one row per prompt: settings, status, error, reward, NFE, reward calls, times",
                "  results.csv/         the same table as CSV",
                "A prompt's directory appears complete or not at all (written under _temporary/, then renamed);",
                "a rerun skips prompts whose directory exists. A bad row (bad prompt, unknown method) is a row",
                "with status 'failed' and its error; it never stops the others.",
                "",
                "Each executor JVM loads the model once per task slot and reuses it; the model must be a path",
                "every executor can read (shared storage)."})
public final class BatchCommand implements Callable<Integer> {
    @Option(names = "--prompts", required = true, paramLabel = "FILE|TABLE",
            description = "The prompts: a prompts file, or a .csv/.json/.jsonl/.parquet table (or Parquet directory) with a 'prompt' column.")
    String prompts;

    @Option(names = "--out", defaultValue = "out", paramLabel = "DIR",
            description = "Output directory, any Hadoop FileSystem path (created if missing; complete prompt directories there are kept and skipped).")
    String out;

    @Option(names = "--master", paramLabel = "URL",
            description = "Spark master: local[N] (N searches at once in this JVM), local[*], or spark://HOST:PORT for a"
                    + " standalone cluster. Default: the one spark-submit gives, else local[1].")
    String master;

    @Option(names = "--conf", paramLabel = "KEY=VALUE",
            description = "A Spark setting, repeatable, e.g. spark.executor.memory=4g or spark.executor.cores=1.")
    List<String> sparkConf = new ArrayList<>();

    @Option(names = "--model", paramLabel = "FILE",
            description = "DiT checkpoint (.safetensors) every executor can read. Default: the shipped model " + DefaultModel.RELATIVE + ".")
    String model;

    @Option(names = "--method", defaultValue = "rbf", paramLabel = "NAME",
            description = "Search method (a 'method' column overrides it per row): none, bon, sop, smc, code, svdd, rbf.")
    String method;

    @Option(names = "--sampler", defaultValue = "vp-sde", paramLabel = "NAME",
            description = "Sampler (a 'sampler' column overrides it per row): ode, linear-sde, vp-sde, linear-sde-adapt-time,"
                    + " linear-sde-adapt-diff, vp-sde-uniform, ode-vp-grid.")
    String sampler;

    @Option(names = "--budget", defaultValue = "500", paramLabel = "NFE",
            description = "NFE budget of each search (a 'budget' column overrides it per row).")
    long budget;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
            description = "Seed of each search (a 'seed' column overrides it per row); a prompt gets the noise it gets in generate.")
    long seed;

    @Option(names = "--steps", defaultValue = "10", paramLabel = "M", description = "Denoising steps M of the sampler's grid.")
    int steps;

    @Option(names = "--estimate", defaultValue = "auto", paramLabel = "MODE",
            description = "Clean estimate for rewards: tweedie, schnell, faithful or auto (as in generate).")
    String estimate;

    @Option(names = "--noise-scheme", defaultValue = NoiseScheme.DEFAULT_ID, paramLabel = "NAME",
            description = "How seeds become Gaussian noise: quantile-v2 or boxmuller-v1 (as in generate). "
                    + "Default: ${DEFAULT-VALUE}.")
    String noiseScheme;

    @Option(names = "--reward", paramLabel = "NAME",
            description = "Reward to maximise: counting, composition, heldout, validshapes; default: the model's (counting).")
    String reward;

    @Option(names = "--search-opt", paramLabel = "KEY=VALUE",
            description = "Method setting override, repeatable, as in generate (see flowscale generate --help for each method's keys).")
    List<String> searchOptions = new ArrayList<>();

    @Option(names = "--rbf-variant", paramLabel = "VARIANT", description = "RBF control flow: code or paper; rows of other methods fail.")
    String rbfVariant;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "NAME",
            description = "Kernel backend on every executor: cpu, cpu:THREADS, reference, opencl, opencl:P:D.")
    String backend;

    @Option(names = "--devices", paramLabel = "LIST",
            description = "Spread each search's batches over these devices on every executor instead of one --backend (as in generate).")
    String devices;

    @Option(names = "--cfg", defaultValue = "1.0", paramLabel = "W", description = "Classifier-free guidance scale (1 = off).")
    double cfg;

    @Option(names = "--concurrent-searches", defaultValue = "1", paramLabel = "N",
            description = "Prompts per task whose searches advance together on the executor, their particles evaluated in "
                    + "common model calls (each prompt's files are the same as when it runs alone). 1 (the default) gives "
                    + "every prompt a task of its own; with N a lost executor costs up to N searches, which Spark reruns "
                    + "(committed prompts are skipped).")
    int concurrentSearches;

    @Spec
    CommandSpec spec;

    /** Exit status: 0 when the batch ran (failed rows are in the results table), 2 for bad options or input. */
    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        BatchSettings settings = settings();
        SparkSession spark = session();
        try {
            spark.sparkContext().setLogLevel("WARN");
            BatchJob.run(spark, qualified(spark, settings), err);
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** Checks the batch-wide options (a row's own values are checked in its task) and resolves the model. */
    BatchSettings settings() {
        if (budget < 1 || budget > PromptTask.MAX_BUDGET) throw new UserError("--budget must be in 1.." + PromptTask.MAX_BUDGET + " NFE, got " + budget);
        if (steps < 1 || steps > 1000) throw new UserError("--steps must be in 1..1000, got " + steps);
        if (!Double.isFinite(cfg)) throw new UserError("--cfg must be a finite number, got " + cfg);
        if (concurrentSearches < 1 || concurrentSearches > SearchBatch.MAX_CONCURRENT) {
            throw new UserError("--concurrent-searches must be between 1 and " + SearchBatch.MAX_CONCURRENT + ", got " + concurrentSearches);
        }
        if (devices != null && spec.commandLine().getParseResult().hasMatchedOption("--backend")) {
            throw new UserError("give either --backend or --devices, not both");
        }
        method = method.toLowerCase(Locale.ROOT);
        sampler = sampler.toLowerCase(Locale.ROOT);
        if (!SearchMethods.names().contains(method)) {
            throw new UserError("unknown method '" + method + "'; known: " + String.join(", ", SearchMethods.names()));
        }
        try {
            Sampler.named(sampler).withSteps(steps).withEstimate(Estimate.parse(estimate));
            NoiseScheme.named(noiseScheme);
            SearchConfig.parse(searchOptions);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        String modelSpec = model != null ? model : DefaultModel.resolve();
        if (modelSpec.regionMatches(true, 0, "toy:", 0, 4)) {
            throw new UserError("batch runs image models; " + modelSpec + " has no prompts (give a .safetensors checkpoint)");
        }
        java.nio.file.Path file = java.nio.file.Path.of(modelSpec);
        if (!Files.isRegularFile(file)) throw new UserError("model file " + modelSpec + " does not exist");
        // Executors run in other directories: a relative path would not name the same file there.
        modelSpec = file.toAbsolutePath().normalize().toString();
        return new BatchSettings(modelSpec, backend, devices, cfg, steps, estimate, noiseScheme, reward, searchOptions,
                rbfVariant, method, sampler, seed, budget, concurrentSearches, prompts, out,
                spec.commandLine().getParseResult().originalArgs());
    }

    /** The output as a full URI (file:/abs/out for a local path), so that every executor writes to the same place. */
    private static BatchSettings qualified(SparkSession spark, BatchSettings s) throws IOException {
        Path out = new Path(s.out());
        FileSystem fs = out.getFileSystem(spark.sparkContext().hadoopConfiguration());
        String qualified = fs.makeQualified(out).toString();
        return new BatchSettings(s.model(), s.backend(), s.devices(), s.cfg(), s.steps(), s.estimate(), s.noiseScheme(),
                s.reward(), s.searchOptions(), s.rbfVariant(), s.method(), s.sampler(), s.seed(), s.budget(), s.concurrentSearches(), s.input(),
                qualified, s.arguments());
    }

    /**
     * The Spark session: the master of --master, else spark-submit's, else local[1]. A local master binds to the
     * loopback address. With a cluster master from {@code ./flowscale batch}, the application jar (named by the
     * {@code flowscale.spark.jar} property the launcher sets) is shipped to the executors.
     */
    SparkSession session() {
        SparkConf conf = new SparkConf();
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[1]");
        conf.setIfMissing("spark.app.name", "flowscale batch");
        conf.set("spark.ui.showConsoleProgress", "false");
        for (String kv : sparkConf) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new UserError("--conf takes KEY=VALUE, got '" + kv + "'");
            conf.set(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        String m = conf.get("spark.master");
        if (m.startsWith("local")) {
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        } else {
            String jar = System.getProperty("flowscale.spark.jar");
            if (jar != null && new File(jar).isFile() && !conf.contains("spark.jars")) conf.set("spark.jars", jar);
        }
        String using = (backend + " " + (devices == null ? "" : devices)).toLowerCase(Locale.ROOT);
        File jsig = new File(System.getProperty("java.home"), "lib/libjsig.so");
        if (using.contains("opencl") && jsig.isFile()) {
            // PoCL replaces the JVM's signal handlers unless libjsig is preloaded (see the launcher).
            conf.setIfMissing("spark.executorEnv.LD_PRELOAD", jsig.getPath());
        }
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
