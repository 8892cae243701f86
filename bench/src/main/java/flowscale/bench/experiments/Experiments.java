package flowscale.bench.experiments;

import flowscale.loader.AtomicFile;
import flowscale.runtime.application.DefaultModel;
import flowscale.runtime.application.LoadedModel;
import flowscale.runtime.application.ModelOptions;
import flowscale.runtime.application.ModelSources;
import flowscale.runtime.UserError;
import flowscale.runtime.data.Prompt;
import flowscale.runtime.model.VelocityModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The experiment harness: the paper's comparisons (methods x samplers, NFE scaling, interpolant-conversion
 * ablation, time split of the main job) on a DiT checkpoint over a fixed set of held-out prompts. Results are
 * appended per (prompt, configuration) to {@code OUT/results.csv} as they finish, and a rerun skips what is
 * there; {@code OUT/experiments.md} and the PNG plots are made from that file after every prompt and at the end.
 */
@Command(name = "experiments", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"Reproduce the paper's tables on a DiT checkpoint: every search method x sampler,",
                "NFE scaling, the interpolant-conversion ablation and the main job's time split,",
                "with 95%% confidence intervals over a fixed set of held-out prompts."})
public final class Experiments implements Callable<Integer> {
    /**
     * Full-plan prompt count, sized for 20-30 minutes on the 2-core machine: one prompt of the full plan took 66 s
     * wall (47 CPU-s) on a random DiT of the shipped architecture (hidden 128, depth 6) while the machine was
     * loaded about 4x, i.e. roughly 35-45 s on idle cores (bench/RESULTS.md). The run prints its own estimate;
     * {@code --prompts} overrides.
     */
    static final int FULL_PROMPTS = 32;
    static final int QUICK_PROMPTS = 3;

    @Option(names = "--model", defaultValue = DefaultModel.RELATIVE, paramLabel = "FILE",
            description = "DiT checkpoint (safetensors); the default is generate's.")
    Path model;

    @Option(names = "--out", defaultValue = "bench/results/experiments", paramLabel = "DIR",
            description = "Output directory: results.csv (appended, resumable), experiments.md, methods_*.png, scaling_*.png.")
    Path out;

    @Option(names = "--plan", defaultValue = "full", paramLabel = "NAME",
            description = {"full: every method x Linear-ODE/SDE and VP-SDE at 500 NFE, budgets 50..1000, the ablation;",
                    "claims: the cells the paper's claims compare (BoN and RBF; budgets 100/500; grid-matched controls;",
                    "faithful one-step estimates), for a few hundred prompts; quick: a small slice (as --quick)."})
    String planName;

    @Option(names = "--quick", description = "A small slice: bon and rbf x ode and vp-sde at 100 NFE, budgets 50/100, "
            + QUICK_PROMPTS + " prompts unless --prompts is given.")
    boolean quick;

    @Option(names = "--prompt-set", defaultValue = "easy", paramLabel = "SET",
            description = {"easy: held-out prompts drawn as in training (1-3 groups);",
                    "hard: 3 groups and 7 or 8 objects, where search has headroom."})
    String promptSet;

    @Option(names = "--reward", defaultValue = "counting", paramLabel = "NAME",
            description = "The reward every search maximises: counting (−RSS, the quantity-aware task) or composition "
                    + "(the compositional task: groups matched, nothing extra).")
    String reward;

    @Option(names = "--prompts", paramLabel = "N",
            description = "Number of held-out prompts (default: " + FULL_PROMPTS + " full, " + QUICK_PROMPTS + " quick).")
    Integer prompts;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Seed of every search's noise (Philox key).")
    long seed;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "NAME", description = "Kernel backend: cpu[:THREADS] or reference.")
    String backend;

    @Option(names = "--devices", paramLabel = "LIST",
            description = "Spread each batch over several devices instead of --backend, e.g. cpu:1,cpu:1 (see 'flowscale info').")
    String devices;

    @Option(names = "--cfg", defaultValue = "1.0", paramLabel = "SCALE",
            description = "Classifier-free guidance scale (1 = off; >1 costs 2 NFE per latent).")
    double cfg;

    @Option(names = "--concurrent-searches", defaultValue = "1", paramLabel = "N",
            description = "How many searches advance together, their particles evaluated in common model calls (the results "
                    + "are the same; the time columns then include the wait for the shared calls, so the time split "
                    + "wants 1).")
    int concurrentSearches;

    @Option(names = "--shard", paramLabel = "I/K",
            description = {"Run only the prompts whose index is I modulo K (0 <= I < K), to split a run over K processes, e.g.",
                    "with --backend cpu:1 each on a 2-core machine, where batches of 2 use one core poorly. Give each shard its",
                    "own --out; then put their results.csv rows into one file and run once more without --shard: it finds",
                    "every search done and writes the tables."})
    String shardText;

    @Option(names = "--dry-run", description = "Calibrate, print the time estimate (counting what --out already holds), and stop; writes nothing.")
    boolean dryRun;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command; exit code 0 ok, 2 bad input, 1 internal failure. Errors are one line on stderr. */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line (tests set its out/err writers). */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Experiments());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("experiments: " + UserError.oneLine(ex.getMessage()) + " (see --help)");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, pr) -> {
            boolean user = ex instanceof UserError || ex instanceof IllegalArgumentException
                    || ex.getClass().getName().startsWith("flowscale.loader.");
            c.getErr().println("experiments: " + (user ? "" : ex.getClass().getSimpleName() + ": ") + UserError.oneLine(ex.getMessage()));
            c.getErr().flush();
            return user ? 2 : 1;
        });
        return cl;
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter o = spec.commandLine().getOut();
        if (quick && !planName.equals("full") && !planName.equals("quick")) {
            throw new UserError("--quick is --plan quick; it cannot be combined with --plan " + planName);
        }
        if (quick) planName = "quick";
        ExperimentPlan plan;
        try {
            plan = ExperimentPlan.named(planName);
        } catch (IllegalArgumentException e) {
            throw new UserError("--plan: " + e.getMessage());
        }
        if (!EvaluationPrompts.SETS.contains(promptSet)) {
            throw new UserError("--prompt-set must be one of " + String.join(", ", EvaluationPrompts.SETS) + ", got '" + promptSet + "'");
        }
        if (!reward.equals("counting") && !reward.equals("composition")) {
            throw new UserError("--reward must be counting or composition, got '" + reward + "'");
        }
        boolean small = plan.name().equals("quick");
        int n = prompts != null ? prompts : small ? QUICK_PROMPTS : FULL_PROMPTS;
        if (n < 1) throw new UserError("--prompts must be >= 1, got " + n);
        if (!Files.isRegularFile(model)) throw new UserError("model file " + model + " does not exist (pass --model FILE.safetensors)");
        if (!Double.isFinite(cfg)) throw new UserError("--cfg must be a finite number, got " + cfg);
        if (concurrentSearches < 1 || concurrentSearches > 256) {
            throw new UserError("--concurrent-searches must be between 1 and 256, got " + concurrentSearches);
        }
        int shard = 0, shards = 1;
        if (shardText != null) {
            java.util.regex.Matcher sm = java.util.regex.Pattern.compile("(\\d{1,4})/(\\d{1,4})").matcher(shardText);
            if (!sm.matches()) throw new UserError("--shard must be I/K with 0 <= I < K, e.g. 0/2; got '" + shardText + "'");
            shard = Integer.parseInt(sm.group(1));
            shards = Integer.parseInt(sm.group(2));
            if (shards < 1 || shard >= shards) throw new UserError("--shard must be I/K with 0 <= I < K, e.g. 0/2; got '" + shardText + "'");
        }
        String modelId = setupId(fingerprint(model), promptSet, reward);
        List<Prompt> promptList = EvaluationPrompts.first(promptSet, n);

        LoadedModel loaded = ModelSources.open(model.toString(), new ModelOptions(backend, cfg, devices));
        try {
            if (!Files.isDirectory(out) && !dryRun) Files.createDirectories(out);
        } catch (IOException | RuntimeException e) {
            loaded.close();
            throw e;
        }
        Path results = out.resolve("results.csv");
        try (loaded; ResultsLog log = dryRun ? ResultsLog.readOnly(results) : ResultsLog.open(results)) {
            VelocityModel velocity = loaded.model();
            String kind = loaded.kind();
            String placement = devices != null ? "devices " + devices : "backend " + backend;
            o.printf(Locale.ROOT, "experiments: %s plan, %d %s prompt%s, %s reward, seed %d; model %s (%s, %s); %s, %d cores%n",
                    plan.name(), n, promptSet, n == 1 ? "" : "s", reward, seed, model, kind, modelId, placement,
                    Runtime.getRuntime().availableProcessors());
            ExperimentTables.Header header = new ExperimentTables.Header(model.toString(), modelId, kind, seed, placement, command(n),
                    promptSet, reward);
            ExperimentRun run = new ExperimentRun(plan, promptList, new CellRunner(velocity, modelId, seed, reward), log, o,
                    concurrentSearches, shard, shards);
            CostModel cost = CostModel.calibrate(velocity, promptList.get(0).toCondition());
            o.println("calibration: " + cost.describe());
            run.printEstimate(cost);
            o.flush();
            if (dryRun) return 0;
            run.execute(cost, () -> writeTables(plan, promptList, log, header));
            List<String> files = writeTables(plan, promptList, log, header);
            o.println("wrote " + String.join(", ", files) + " in " + out);
            o.flush();
            return 0;
        }
    }

    /** experiments.md and the plots, from the rows of this model and seed. */
    private List<String> writeTables(ExperimentPlan plan, List<Prompt> promptList, ResultsLog log, ExperimentTables.Header h) {
        List<ResultRow> rows = new ArrayList<>();
        for (ResultRow r : log.rows()) if (r.model().equals(h.modelId()) && r.seed() == h.seed()) rows.add(r);
        ExperimentTables tables = new ExperimentTables(plan, promptList, rows, h.reward());
        try {
            String md = tables.markdown(h);
            List<String> files = new ArrayList<>();
            AtomicFile.writeString(out.resolve("experiments.md"), md);
            files.add("experiments.md");
            files.addAll(tables.writePlots(out));
            files.add("results.csv");
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the tables into " + out + ": " + e.getMessage(), e);
        }
    }

    /**
     * The identity of a run's rows in the results file: the checkpoint's fingerprint, plus the prompt set and the reward
     * when they are not the defaults (so rows of the easy counting runs keep the plain fingerprint and old files stay
     * valid, and rows of different setups in one file are never mixed).
     */
    static String setupId(String fingerprint, String promptSet, String reward) {
        return fingerprint + (promptSet.equals("easy") ? "" : "+" + promptSet) + (reward.equals("counting") ? "" : "+" + reward);
    }

    private String command(int n) {
        return "bench/experiments --model " + model + " --out " + out + (planName.equals("full") ? "" : " --plan " + planName)
                + (promptSet.equals("easy") ? "" : " --prompt-set " + promptSet)
                + (reward.equals("counting") ? "" : " --reward " + reward) + " --prompts " + n
                + " --seed " + seed + (backend.equals("cpu") ? "" : " --backend " + backend)
                + (devices == null ? "" : " --devices " + devices) + (cfg == 1.0 ? "" : " --cfg " + cfg)
                + (concurrentSearches == 1 ? "" : " --concurrent-searches " + concurrentSearches);
    }

    /** First 16 hex digits of the file's SHA-256: rows of another checkpoint are never mixed in. */
    static String fingerprint(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
