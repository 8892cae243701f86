package flowscale.runtime.cli;

import flowscale.kernels.NoiseScheme;
import flowscale.runtime.UserError;
import flowscale.runtime.application.DefaultModel;
import flowscale.runtime.application.DiTOutputs;
import flowscale.runtime.application.LoadedModel;
import flowscale.runtime.application.ModelOptions;
import flowscale.runtime.application.ModelFingerprint;
import flowscale.runtime.application.ModelSources;
import flowscale.runtime.application.PromptRun;
import flowscale.runtime.application.PromptsFile;
import flowscale.runtime.application.RunInfo;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DeviceSpec;
import flowscale.runtime.report.IndexPage;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.search.SearchConfig;
import flowscale.runtime.search.SearchMethod;
import flowscale.runtime.search.SearchMethods;
import flowscale.runtime.search.SearchProblem;
import flowscale.runtime.search.SearchResult;
import flowscale.runtime.search.StopFlag;
import flowscale.runtime.search.Timings;
import flowscale.runtime.search.SearchFailed;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code flowscale generate}: reward-guided search (inference-time scaling) under an NFE budget. With no
 * options it runs Rollover Budget Forcing with the VP-SDE on the shipped model ({@link DefaultModel}) for the
 * given {@code --prompt}, and writes {@code trace.json}, the model kind's images and {@code report.html} into
 * {@code out/}. {@code --prompts FILE} runs every prompt of a file on the model loaded once, each into its own
 * directory, plus an {@code index.html}. Ctrl-C stops the search at the next batch and still writes the best
 * found so far ({@link Interruption}).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        modelTransformer = SearchOptionHelp.class,
        description = {"Run a reward-guided search (inference-time scaling) under an NFE budget.",
                "",
                "Writes into --out:",
                "  image models: best.png, best_x8.png, candidates.png, report.html, trace.json",
                "  toy models:   particles.png, trace.json",
                "",
                "Ctrl-C stops at the next batch and still writes the best found so far.",
                "A run locks --out (a second run on it stops with one line) and replaces whatever an earlier run",
                "wrote there, so every file beside trace.json is from the same run."})
public final class GenerateCommand implements Callable<Integer> {
    /** Exit status of a run stopped by Ctrl-C, as a shell reports a SIGINT. */
    static final int EXIT_INTERRUPTED = 130;

    @Option(names = "--model", paramLabel = "SPEC",
            description = "Model: FILE.safetensors (a DiT checkpoint), or toy:gmm (2-D Gaussian mixture, well separated modes), "
                    + "toy:gmm-close (modes close together), toy:gaussian. Default: the shipped model "
                    + DefaultModel.RELATIVE + " (in the current directory, else in the flowscale installation).")
    String model;

    @Option(names = "--prompt", paramLabel = "TEXT",
            description = "Prompt, e.g. \"2 red circles and 1 blue square\" (image models need one; the toy models have no condition and refuse it).")
    String prompt;

    @Option(names = "--prompts", paramLabel = "FILE",
            description = "Run every prompt of FILE (one per line; blank lines and # comments skipped) with the model "
                    + "loaded once, into --out/NNN-slug/ each, plus --out/index.html. Excludes --prompt.")
    Path promptsFile;

    @Option(names = "--method", defaultValue = "rbf", paramLabel = "NAME",
            description = "Search method: none, bon, sop, smc, code, svdd, rbf.")
    String method;

    @Option(names = "--sampler", defaultValue = "vp-sde", paramLabel = "NAME",
            description = "Sampler: ode, linear-sde, vp-sde, linear-sde-adapt-time, linear-sde-adapt-diff; grid-matched controls"
                    + " vp-sde-uniform (VP-SDE, uniform VP-time grid) and ode-vp-grid (linear ODE on vp-sde's converted grid).")
    String sampler;

    @Option(names = "--estimate", defaultValue = "auto", paramLabel = "MODE",
            description = "Clean estimate for rewards and the result: tweedie (x - t u from the velocity), schnell (a few-step"
                    + " model's output at d = the step drives the step and gives the estimate; 1 NFE per candidate), faithful"
                    + " (the velocity drives the step, the one-step jump d = t gives the estimate; 2 NFE per estimate) or auto"
                    + " (schnell for a shortcut model, else tweedie).")
    String estimate;

    @Option(names = "--budget", defaultValue = "500", paramLabel = "NFE",
            description = "Total budget of model evaluations (NFE); the search never exceeds it.")
    long budget;

    @Option(names = "--steps", defaultValue = "10", paramLabel = "M", description = "Denoising steps M of the sampler's grid.")
    int steps;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of every random draw (Philox key); each prompt of "
            + "--prompts gets the noise it would get alone.")
    long seed;

    @Option(names = "--noise-scheme", defaultValue = "boxmuller-v1", paramLabel = "NAME",
            description = "How the seed's Philox streams become Gaussian noise: boxmuller-v1 (Box-Muller in StrictMath, "
                    + "every published result) or quantile-v2 (an exactly reproducible inverse-CDF transform, several times "
                    + "faster; other noise, so other results). Recorded in trace.json.")
    String noiseScheme;

    @Option(names = "--reward", paramLabel = "NAME",
            description = "Reward to maximise (image models: counting, composition, heldout, validshapes; toy models: "
                    + "mode = the rarest mode, or mode:K); default: the model's default (counting for image models).")
    String reward;

    @Option(names = "--search-opt", paramLabel = "KEY=VALUE",
            description = "Method setting override, repeatable; each method's keys, defaults and allowed values:")
    List<String> searchOptions = new ArrayList<>();

    @Option(names = "--rbf-variant", paramLabel = "VARIANT",
            description = "RBF control flow: code (the reference code, default) or paper (Alg. 2). Only with --method rbf.")
    String rbfVariant;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "NAME",
            description = "Kernel backend for image models: cpu, cpu:THREADS, reference, opencl, opencl:P:D "
                    + "(see flowscale info); the toy models run on the host and refuse it.")
    String backend;

    @Option(names = "--devices", paramLabel = "LIST",
            description = "Spread every batch of particles over several devices instead of one --backend: "
                    + DeviceSpec.SYNTAX + ", each SPEC a backend as for --backend, e.g. cpu:1,cpu:1 or cpu,opencl:0:0; "
                    + "each device holds its own copy of the model and gets a contiguous share of the batch in "
                    + "proportion to its WEIGHT (default 1). Image models only.")
    String devices;

    @Option(names = "--cfg", defaultValue = "1.0", paramLabel = "W",
            description = "Classifier-free guidance scale for image models, u = u_null + W (u_cond - u_null); 1 = off, "
                    + "otherwise one latent costs 2 NFE.")
    double cfg;

    @Option(names = "--out", defaultValue = "out", paramLabel = "DIR",
            description = "Output directory (created if missing; locked while the run writes, and an earlier run's outputs there are replaced).")
    Path out;

    @Spec
    CommandSpec spec;

    /** Set by Ctrl-C; tests set it to stop a run without a signal. */
    StopFlag stop = new StopFlag();

    /** The sampler of --sampler and --steps, set by {@link #validate()}. */
    private Sampler configuredSampler;

    /** The scheme of --noise-scheme, set by {@link #validate()}. */
    private NoiseScheme configuredNoiseScheme = NoiseScheme.DEFAULT;

    /** How one prompt's search ended, for the exit status and the index page. */
    private record Outcome(String link, String prompt, SearchResult result, byte[] bestPng) {}

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        SearchMethod searchMethod = validate();
        List<PromptsFile.Line> lines = null;
        if (promptsFile != null) {
            if (prompt != null) throw new UserError("--prompt and --prompts exclude each other; give one");
            InputLimits.regularFile("--prompts", promptsFile, InputLimits.MAX_PROMPTS_FILE);
            lines = PromptsFile.read(promptsFile);
        }
        OutputDirectory.check(out);
        if (devices != null && spec.commandLine().getParseResult().hasMatchedOption("--backend")) {
            throw new UserError("give either --backend or --devices, not both (--devices cpu is the same as --backend cpu)");
        }
        String modelSpec = model != null ? ModelNames.normalise(model) : DefaultModel.resolve();
        if (!ModelNames.isToy(modelSpec)) {
            if (!Files.exists(Path.of(modelSpec))) throw new UserError("model file " + InputLimits.echo(modelSpec) + " does not exist");
            InputLimits.regularFile("--model", Path.of(modelSpec), -1);
        }
        Interruption ctrlC = Interruption.watch(stop, err);
        try (LoadedModel loaded = ModelSources.open(modelSpec, new ModelOptions(backend, cfg, devices))) {
            refuseWhatDoesNotApply(loaded, modelSpec);
            Reward r = loaded.reward(reward == null ? loaded.defaultReward() : reward.toLowerCase(Locale.ROOT));
            List<Condition> conds = new ArrayList<>();
            if (lines == null) {
                conds.add(loaded.condition(prompt == null ? "" : prompt));
            } else {
                for (PromptsFile.Line l : lines) conds.add(loaded.condition(l.text()));
            }
            checkMemory(loaded);
            try (OutputDirectory dir = OutputDirectory.claim(out)) {
                RunContext run = new RunContext(loaded, modelSpec, ModelFingerprint.of(modelSpec), searchMethod, r, dir, stdout, err);
                if (lines == null) {
                    String text = prompt == null ? "" : prompt;
                    Outcome o = runOne(run, conds.get(0), text, 0, 0, out, method + "/" + sampler);
                    return exitStatus(List.of(o), err);
                }
                List<Outcome> done = new ArrayList<>();
                try {
                    for (int i = 0; i < lines.size(); i++) {
                        if (i > 0 && stop.requested()) break;
                        PromptsFile.Line l = lines.get(i);
                        String name = PromptsFile.directoryName(i + 1, l.text());
                        String task = "[" + (i + 1) + "/" + lines.size() + "] " + method + "/" + sampler;
                        done.add(runOne(run, conds.get(i), l.text(), i, l.number(), out.resolve(name), task));
                    }
                } finally {
                    // Also after a failed prompt: the index lists what was written.
                    if (!done.isEmpty()) {
                        List<IndexPage.Entry> entries = done.stream().map(o -> new IndexPage.Entry(o.link(), o.prompt(),
                                o.result().bestReward(), o.bestPng(), o.result().trace().interrupted())).toList();
                        String settings = method + " with " + sampler + ", " + budget + " NFE per prompt, seed " + seed
                                + ", model " + modelSpec;
                        IndexPage.write(out.resolve("index.html"), settings, entries, lines.size() - done.size());
                        stdout.println("wrote " + out.resolve("index.html"));
                        stdout.flush();
                    }
                }
                return exitStatus(done, err);
            }
        } catch (RuntimeException | IOException e) {
            if (!stop.requested()) throw e;
            // After Ctrl-C the JVM exits as soon as the interruption is closed, before Main could report this.
            err.println("error: " + Main.describe(e));
            if (spec.commandLine().getParseResult().hasMatchedOption("--debug")) e.printStackTrace(err);
            err.flush();
            return Main.isUserError(e) ? Main.EXIT_USAGE : Main.EXIT_INTERNAL;
        } finally {
            ctrlC.close();
        }
    }

    /** Checks the options that need no model; returns the configured search method. */
    private SearchMethod validate() {
        InputLimits.budget(budget);
        InputLimits.steps(steps);
        InputLimits.cfg(cfg);
        InputLimits.threads("--backend", backend);
        InputLimits.threads("--devices", devices);
        InputLimits.prompt("--prompt", prompt);
        method = method.toLowerCase(Locale.ROOT);
        sampler = sampler.toLowerCase(Locale.ROOT);
        if (!SearchMethods.names().contains(method)) {
            throw new UserError("unknown method '" + InputLimits.echo(method) + "'; known: " + String.join(", ", SearchMethods.names()));
        }
        if (method.equals("rbf")) InputLimits.rbfBudget(budget, cfg);
        try {
            configuredSampler = Sampler.named(sampler).withSteps(steps).withEstimate(Estimate.parse(estimate));
            configuredNoiseScheme = NoiseScheme.named(noiseScheme);
            SearchConfig config = SearchConfig.parse(searchOptions);
            if (rbfVariant != null) {
                if (!method.equals("rbf")) throw new UserError("--rbf-variant only applies to --method rbf");
                config = config.with("variant", rbfVariant.toLowerCase(Locale.ROOT));
            }
            return SearchMethods.create(method, config);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    /** Options that mean nothing for the loaded model are refused, never silently ignored. */
    private void refuseWhatDoesNotApply(LoadedModel loaded, String modelSpec) {
        if (!loaded.kind().startsWith("toy")) return;
        if (prompt != null) throw new UserError("--prompt applies to image models; " + modelSpec + " has no condition (drop --prompt)");
        if (promptsFile != null) {
            throw new UserError("--prompts applies to image models; " + modelSpec + " has no condition (drop --prompts)");
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--backend")) {
            throw new UserError("--backend applies to image models; " + modelSpec + " runs on the host (drop --backend)");
        }
    }

    /**
     * Best-of-N and SMC hold every particle at once (N = budget / steps by default): refuse, before the search,
     * a particle set the heap cannot hold rather than fail with an OutOfMemoryError.
     */
    private void checkMemory(LoadedModel loaded) {
        int buffers = switch (method) {
            case "bon" -> 5;
            case "smc" -> 8;
            default -> 0;
        };
        if (buffers == 0) return;
        long perLatent = Math.max(1, loaded.model().nfePerLatent());
        long n = budget / perLatent / steps;
        for (String o : searchOptions) {
            if (o.startsWith("n=")) {
                try {
                    n = Long.parseLong(o.substring(2).strip());
                } catch (NumberFormatException e) {
                    return; // the method reports it
                }
            }
        }
        long dim = loaded.model().dim();
        long bytes = n * (dim * 4 + 16) * buffers;
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap / 10 * 8) {
            throw new UserError(String.format(Locale.ROOT, "--method %s with %d particles of %d values needs about %s of memory;"
                    + " this JVM may use %s (lower --budget, raise --steps, set --search-opt n=, or raise -Xmx in"
                    + " FLOWSCALE_JAVA_OPTS)", method, n, dim, gib(bytes), gib(heap)));
        }
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /** What every prompt's run shares. */
    private record RunContext(LoadedModel loaded, String modelSpec, ModelFingerprint fingerprint, SearchMethod method,
                              Reward reward, OutputDirectory out, PrintWriter stdout, PrintWriter err) {}

    /**
     * One search for one prompt, its outputs written into {@code dir} and its summary printed. A search that
     * fails after it has rewarded something still writes the best it found, then reports the failure.
     */
    private Outcome runOne(RunContext run, Condition cond, String promptText, int promptIndex, int promptLine, Path dir, String task)
            throws IOException {
        PromptRun.Searched searched;
        try (SearchProgress progress = new SearchProgress(task, budget, run.err(), SearchProgress.animatedByEnvironment(), stop)) {
            SearchProblem problem = new SearchProblem(run.loaded().model(), configuredSampler, run.reward(), cond,
                    budget, seed, 0, progress).withNoiseScheme(configuredNoiseScheme);
            searched = PromptRun.search(run.method(), problem);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        SearchResult result = searched.result();
        RuntimeException failure = null;
        if (searched.failure() != null) {
            SearchFailed f = searched.failure();
            failure = f.getCause() instanceof RuntimeException re ? re : f;
            if (f.getCause() instanceof OutOfMemoryError oom) failure = new OutOfMemory(oom);
        }
        run.out().clear();
        RunInfo info = new RunInfo(promptText, run.modelSpec(), seed);
        List<String> files = PromptRun.write(dir, run.loaded(), result, run.reward(), info,
                provenance(run, promptText, promptIndex, promptLine, dir));
        summary(run.stdout(), run.modelSpec(), run.loaded(), result, dir, files);
        if (failure != null) {
            throw new SearchStopped(failure, dir);
        }
        byte[] bestPng = files.contains(DiTOutputs.BEST) ? Files.readAllBytes(dir.resolve(DiTOutputs.BEST)) : null;
        String name = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
        String link = name + "/" + (files.contains(DiTOutputs.REPORT) ? DiTOutputs.REPORT : DiTOutputs.TRACE);
        return new Outcome(link, promptText, result, bestPng);
    }

    /**
     * What trace.json's {@code run} records for this prompt: the prompt and where it came from in --prompts (the
     * file, its 0-based index among the file's prompts, its line, its directory), the model (with its size and
     * SHA-256 when it is a file), guidance, backend or devices, and every argument given.
     */
    private PromptRun.Provenance provenance(RunContext run, String promptText, int promptIndex, int promptLine, Path dir) {
        return new PromptRun.Provenance(promptText, promptsFile == null ? null : promptsFile.toString(), promptIndex,
                promptLine, promptsFile == null ? null : dir.getFileName().toString(), run.modelSpec(), run.loaded().kind(),
                run.fingerprint(), cfg, backend, devices, spec.commandLine().getParseResult().originalArgs());
    }

    /** 130 when stopped by Ctrl-C; 1 (with an error line) when a search found nothing finite; else 0. */
    private int exitStatus(List<Outcome> outcomes, PrintWriter err) {
        long empty = outcomes.stream().filter(o -> !o.result().found()).count();
        if (stop.requested()) {
            err.println("interrupted: wrote the best found before the stop" + (empty > 0 ? " (none for " + empty + " run(s))" : ""));
            err.flush();
            return EXIT_INTERRUPTED;
        }
        if (empty > 0) {
            err.println("error: no candidate had a finite estimate and reward" + (outcomes.size() > 1 ? " for " + empty
                    + " of " + outcomes.size() + " prompts" : "") + " (trace written)");
            err.flush();
            return Main.EXIT_INTERNAL;
        }
        return Main.EXIT_OK;
    }

    private void summary(PrintWriter o, String modelSpec, LoadedModel loaded, SearchResult result, Path dir, List<String> files) {
        var t = result.trace();
        Timings tm = t.timings();
        o.printf("model %s (%s), method %s, sampler %s, %d steps, reward %s, seed %d%n",
                modelSpec, loaded.kind(), t.method(), t.sampler(), t.steps(), t.reward(), t.seed());
        o.printf("NFE %d of %d, reward calls %d, non-finite %d%s%n", t.nfe(), t.budget(), t.rewardCalls(), t.nonFinite(),
                t.interrupted() ? ", INTERRUPTED (best so far)" : "");
        if (result.found()) {
            if (result.best().length <= 8) {
                o.printf("best reward %.6f at %s (the returned sample)%n", result.bestReward(), java.util.Arrays.toString(result.best()));
            } else {
                o.printf("best reward %.6f (the returned sample)%n", result.bestReward());
            }
        } else {
            o.println("no candidate had a finite estimate and reward");
        }
        o.printf("time %.1f ms: model %.1f ms, reward %.1f ms, search %.1f ms (%.1f%%)%n", tm.totalNanos() / 1e6,
                tm.modelNanos() / 1e6, tm.rewardNanos() / 1e6, tm.searchNanos() / 1e6, 100 * tm.searchShare());
        o.println("wrote " + String.join(", ", files.stream().map(f -> dir.resolve(f).toString()).toList()));
        o.flush();
    }
}
