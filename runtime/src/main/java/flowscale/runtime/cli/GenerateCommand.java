package flowscale.runtime.cli;

import flowscale.kernels.NoiseScheme;
import flowscale.runtime.UserError;
import flowscale.runtime.application.DefaultModel;
import flowscale.runtime.application.ImageOutputs;
import flowscale.runtime.application.LoadedModel;
import flowscale.runtime.application.FluxOptions;
import flowscale.runtime.application.FluxTextPrompts;
import flowscale.runtime.application.TextEncoderFolders;
import flowscale.runtime.application.ModelOptions;
import flowscale.runtime.application.PromptEmbeddingsFile;
import flowscale.runtime.application.ModelFingerprint;
import flowscale.runtime.application.ModelSources;
import flowscale.runtime.application.PromptRun;
import flowscale.runtime.application.PromptsFile;
import flowscale.runtime.application.RunInfo;
import flowscale.runtime.application.SearchBatch;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DeviceSpec;
import flowscale.runtime.model.PromptEmbedding;
import flowscale.runtime.model.VelocityModel;
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
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code flowscale generate}: reward-guided search (inference-time scaling) under an NFE budget. With no
 * options it runs Rollover Budget Forcing with the VP-SDE on the shipped model ({@link DefaultModel}) for the
 * given {@code --prompt}, and writes {@code trace.json}, the model kind's images and {@code report.html} into
 * {@code out/}. {@code --prompts FILE} runs every prompt of a file on the model loaded once, each into its own
 * directory, plus an {@code index.html}; with {@code --concurrent-searches N} N of them advance together and share
 * model calls ({@link SearchBatch}), each prompt's files staying those it gets alone. Ctrl-C stops the search at
 * the next batch and still writes the best found so far ({@link Interruption}).
 */
@Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        modelTransformer = SearchOptionHelp.class,
        description = {"Run a reward-guided search (inference-time scaling) under an NFE budget.",
                "",
                "Writes into --out:",
                "  image models: best.png, best_xF.png (an upscaled copy of a small image,",
                "                best_x8.png for the DiT), candidates.png, report.html,",
                "                trace.json; FLUX.1's images decoded by its VAE",
                "  toy models:   particles.png, trace.json",
                "",
                "FLUX.1: --model a BFL/ComfyUI file or a diffusers transformer/ or pipeline",
                "folder; --vae (unless the pipeline folder has vae/); --prompt-embeds FILE",
                "(txt [L, D_txt], vec [D_vec]); --size WxH. Rewards see the decoded image.",
                "schnell-style: 4 steps on the uniform grid. dev-style: 50 steps, --guidance",
                "3.5; ode, linear-sde and linear-sde-adapt-diff step on BFL's shifted grid,",
                "the VP samplers keep their own VP-time grid.",
                "",
                "Ctrl-C stops at the next batch and still writes the best found so far.",
                "A run locks --out (a second run on it stops with one line) and replaces whatever an earlier run",
                "wrote there, so every file beside trace.json is from the same run."})
public final class GenerateCommand implements Callable<Integer> {
    /** Exit status of a run stopped by Ctrl-C, as a shell reports a SIGINT. */
    static final int EXIT_INTERRUPTED = 130;

    /**
     * --concurrent-searches unless given: one at a time, because on this 2-core machine under heavy load 8 at a time
     * was not faster in a fresh JVM (bench/RESULTS.md, "Concurrent searches").
     */
    static final int CONCURRENT_SEARCHES_DEFAULT = 1;
    static final int MAX_CONCURRENT_SEARCHES = SearchBatch.MAX_CONCURRENT;

    @Option(names = "--model", paramLabel = "SPEC",
            description = "Model: FILE.safetensors (a DiT checkpoint, or a FLUX.1 transformer in BFL's or ComfyUI's layout), DIR"
                    + " (a diffusers FLUX.1 transformer/ folder or a pipeline folder with transformer/ and vae/), or toy:gmm (2-D Gaussian mixture, well separated modes), "
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

    @Option(names = "--prompt-embeds", paramLabel = "FILE",
            description = "FLUX.1: the prompt as text-encoder outputs, a safetensors file with txt [L, D_txt] and vec [D_vec]"
                    + " (or diffusers' prompt_embeds [1, L, D_txt] and pooled_prompt_embeds [1, D_vec]); --prompt then only"
                    + " names the run.")
    Path promptEmbeds;

    @Option(names = "--clip", paramLabel = "DIR",
            description = "FLUX.1: CLIP text encoder folder (a diffusers text_encoder/, tokenizer beside it or in tokenizer/);"
                    + " with --t5, --prompt TEXT and --prompts are encoded once per prompt before the search (no NFE). A"
                    + " diffusers pipeline folder given as --model with text_encoder/ and text_encoder_2/ needs neither.")
    Path clip;

    @Option(names = "--t5", paramLabel = "DIR",
            description = "FLUX.1: T5 encoder folder (a diffusers text_encoder_2/, sharded or not; tokenizer beside it or in"
                    + " tokenizer_2/).")
    Path t5;

    @Option(names = "--t5-max-length", paramLabel = "N",
            description = "FLUX.1: T5 tokens per prompt, 1..512 (default: 256 for schnell-style models, 512 for dev-style, as"
                    + " the reference pipelines); longer prompts are cut with a warning.")
    Integer t5MaxLength;

    @Option(names = "--vae", paramLabel = "FILE|DIR",
            description = "FLUX.1: the VAE (BFL's ae.safetensors or a diffusers AutoencoderKL folder); not needed when --model"
                    + " is a diffusers pipeline folder with vae/.")
    Path vae;

    @Option(names = "--size", paramLabel = "WxH",
            description = "FLUX.1: image size in pixels, a multiple of 2x the VAE's upsampling (16 for FLUX.1). Default: 32 x 32"
                    + " tokens, 512x512 with FLUX.1's VAE.")
    String size;

    @Option(names = "--guidance", paramLabel = "G",
            description = "FLUX.1-dev-style models: the embedded guidance (default 3.5, BFL's); refused on schnell-style"
                    + " models, which have no guidance embedding.")
    Double guidance;

    @Option(names = "--rope-axes", split = ",", paramLabel = "A,B,C",
            description = "FLUX.1: the RoPE axis dims, for a checkpoint that does not state them and whose head dim is not"
                    + " FLUX.1's 128 (FLUX.1's files need none).")
    int[] ropeAxes;
    @Option(names = "--concurrent-searches", paramLabel = "N",
            description = "With --prompts: how many prompts' searches advance together, their particles evaluated in common "
                    + "model calls, each on its own thread (each prompt's files are the same as when it runs alone); 1 runs "
                    + "them one after another (the default).")
    Integer concurrentSearches;

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

    @Option(names = "--steps", paramLabel = "M", description = "Denoising steps M of the sampler's grid (default: 10; FLUX.1"
            + " schnell-style 4, dev-style 50, as BFL's).")
    Integer steps;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed of every random draw (Philox key); each prompt of "
            + "--prompts gets the noise it would get alone.")
    long seed;

    @Option(names = "--noise-scheme", defaultValue = NoiseScheme.DEFAULT_ID, paramLabel = "NAME",
            description = "How the seed's Philox streams become Gaussian noise: quantile-v2 (the default: an exactly "
                    + "reproducible inverse-CDF transform, drawn on the model's device) or boxmuller-v1 (Box-Muller in "
                    + "StrictMath: the earlier default, and the experiment tables' scheme; other noise, so other "
                    + "results). Recorded in trace.json. Default: ${DEFAULT-VALUE}.")
    String noiseScheme;

    @Option(names = "--reward", paramLabel = "NAME",
            description = "Reward to maximise (image models: counting, composition, heldout, validshapes; toy models: "
                    + "mode = the rarest mode, or mode:K; FLUX.1: image rewards on the decoded image, e.g. jpeg-compressibility,"
                    + " jpeg-incompressibility, colourfulness, brightness); default: the model's default (counting for the DiT).")
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
                    + "each device holds its own copy of the model and a contiguous share of every set of particles in "
                    + "proportion to its WEIGHT (default 1), which stays on it (only the estimates the rewards read cross "
                    + "to the host). Image models only.")
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

    /**
     * The text encoders as a function from prompt text to embeddings, for FLUX.1's {@code --prompt} and {@code --prompts};
     * null while none are loaded (then FLUX takes {@code --prompt-embeds} only).
     */
    Function<String, PromptEmbedding> textEncoder;

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
        String modelSpec = model != null ? ModelNames.normalise(model) : DefaultModel.resolve();
        if (!ModelNames.isToy(modelSpec)) {
            if (!Files.exists(Path.of(modelSpec))) throw new UserError("model file " + InputLimits.echo(modelSpec) + " does not exist");
            Path modelPath = Path.of(modelSpec);
            // A folder only as a model some source recognises (diffusers' FLUX folders); otherwise files only.
            if (!ModelSources.isModelFolder(modelSpec)) InputLimits.regularFile("--model", modelPath, -1);
        }
        List<PromptsFile.Line> lines = null;
        if (promptsFile != null) {
            if (prompt != null) throw new UserError("--prompt and --prompts exclude each other; give one");
            if (promptEmbeds != null) throw new UserError("--prompt-embeds and --prompts exclude each other; give one");
            InputLimits.regularFile("--prompts", promptsFile, InputLimits.MAX_PROMPTS_FILE);
        }
        boolean shapesPrompts = ModelNames.isToy(modelSpec) || ModelSources.shapesWorldPrompts(modelSpec);
        if (shapesPrompts && (clip != null || t5 != null || t5MaxLength != null)) {
            throw new UserError("--clip, --t5 and --t5-max-length apply to FLUX.1 models; " + modelSpec + " is not one");
        }
        TextEncoderFolders encoders = null;
        if (!shapesPrompts && textEncoder == null) {
            if (promptEmbeds != null && (clip != null || t5 != null)) {
                throw new UserError("--prompt-embeds and --clip/--t5 exclude each other: the embeddings are the encoders' output");
            }
            encoders = promptEmbeds != null ? null : FluxTextPrompts.locate(Path.of(modelSpec), clip, t5);
            if (encoders == null && promptEmbeds == null) {
                // Before the (long) load: without text encoders FLUX takes its prompt as embeddings only.
                throw new UserError((promptsFile != null ? "--prompts" : "--prompt TEXT") + " on FLUX.1 needs text encoders:"
                        + " give --clip DIR and --t5 DIR (or a diffusers pipeline folder as --model), or the prompt as"
                        + " --prompt-embeds FILE (txt [L, D_txt], vec [D_vec])");
            }
            if (encoders == null && t5MaxLength != null) {
                throw new UserError("--t5-max-length applies when prompts are encoded here; --prompt-embeds are already encoded");
            }
        }
        if (promptsFile != null) lines = shapesPrompts ? PromptsFile.read(promptsFile) : PromptsFile.readText(promptsFile);
        int encodedTokens = 0;
        if (encoders != null) {
            if (promptsFile == null && (prompt == null || prompt.isBlank())) {
                throw new UserError("--prompt TEXT is required (or --prompts FILE), e.g. --prompt \"a red fox in the snow\"");
            }
            List<String> texts = lines == null ? List.of(prompt) : lines.stream().map(PromptsFile.Line::text).toList();
            String encoderBackend = devices == null ? backend : deviceBackend(devices);
            Map<String, PromptEmbedding> encoded = FluxTextPrompts.encode(Path.of(modelSpec), ropeAxes, encoders, t5MaxLength,
                    encoderBackend, texts, line -> {
                        stdout.println(line);
                        stdout.flush();
                    }, line -> {
                        err.println("warning: " + line);
                        err.flush();
                    });
            textEncoder = encoded::get;
            encodedTokens = encoded.values().iterator().next().tokens();
        }
        PromptEmbedding embedding = null;
        if (promptEmbeds != null) {
            InputLimits.regularFile("--prompt-embeds", promptEmbeds, InputLimits.MAX_PROMPT_EMBEDS_FILE);
            embedding = PromptEmbeddingsFile.read(promptEmbeds);
        }
        OutputDirectory.check(out);
        if (devices != null && spec.commandLine().getParseResult().hasMatchedOption("--backend")) {
            throw new UserError("give either --backend or --devices, not both (--devices cpu is the same as --backend cpu)");
        }
        FluxOptions fluxOptions = new FluxOptions(vae, size, guidance, ropeAxes, embedding != null ? embedding.tokens() : encodedTokens,
                textEncoder);
        Interruption ctrlC = Interruption.watch(stop, err);
        try (LoadedModel loaded = ModelSources.open(modelSpec, new ModelOptions(backend, cfg, devices, fluxOptions, line -> {
            stdout.println(line);
            stdout.flush();
        }))) {
            refuseWhatDoesNotApply(loaded, modelSpec);
            configuredSampler = loaded.schedule(configuredSampler.withSteps(steps != null ? steps : loaded.defaultSteps()));
            Reward r = loaded.reward(reward == null ? loaded.defaultReward() : reward.toLowerCase(Locale.ROOT));
            List<Condition> conds = new ArrayList<>();
            if (embedding != null) {
                conds.add(loaded.condition(prompt != null ? prompt : String.valueOf(promptEmbeds.getFileName()), embedding));
            } else if (lines == null) {
                conds.add(loaded.condition(prompt == null ? "" : prompt));
            } else {
                for (PromptsFile.Line l : lines) conds.add(loaded.condition(l.text()));
            }
            checkMemory(loaded, lines == null ? 1 : Math.min(lines.size(),
                    concurrentSearches != null ? concurrentSearches : CONCURRENT_SEARCHES_DEFAULT));
            try (OutputDirectory dir = OutputDirectory.claim(out)) {
                RunContext run = new RunContext(loaded, modelSpec, ModelFingerprint.of(modelSpec), searchMethod, r, dir, stdout, err,
                        loaded.model(), () -> {}, SearchProgress.animatedByEnvironment());
                if (lines == null) {
                    String text = prompt == null ? "" : prompt;
                    if (embedding != null && prompt == null) text = conds.get(0).prompt();
                    Outcome o = runOne(run, conds.get(0), text, 0, 0, out, method + "/" + sampler);
                    return exitStatus(List.of(o), err);
                }
                List<Outcome> done = new ArrayList<>();
                try {
                    runPrompts(run, lines, conds, done);
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
        if (steps != null) InputLimits.steps(steps);
        InputLimits.cfg(cfg);
        InputLimits.threads("--backend", backend);
        InputLimits.threads("--devices", devices);
        InputLimits.prompt("--prompt", prompt);
        if (concurrentSearches != null) {
            if (promptsFile == null) throw new UserError("--concurrent-searches applies to --prompts (one --prompt is one search)");
            if (concurrentSearches < 1 || concurrentSearches > MAX_CONCURRENT_SEARCHES) {
                throw new UserError("--concurrent-searches must be between 1 and " + MAX_CONCURRENT_SEARCHES + ", got " + concurrentSearches);
            }
        }
        method = method.toLowerCase(Locale.ROOT);
        sampler = sampler.toLowerCase(Locale.ROOT);
        if (!SearchMethods.names().contains(method)) {
            throw new UserError("unknown method '" + InputLimits.echo(method) + "'; known: " + String.join(", ", SearchMethods.names()));
        }
        if (method.equals("rbf")) InputLimits.rbfBudget(budget, cfg);
        try {
            configuredSampler = Sampler.named(sampler).withSteps(steps != null ? steps : Sampler.DEFAULT_STEPS)
                    .withEstimate(Estimate.parse(estimate));
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
    /** The backend of the first device of a --devices list, where the text encoders run. */
    private static String deviceBackend(String devices) {
        try {
            return DeviceSpec.parseList(devices).get(0).backend();
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    private void refuseWhatDoesNotApply(LoadedModel loaded, String modelSpec) {
        if (!loaded.kind().startsWith("toy")) return;
        if (prompt != null) throw new UserError("--prompt applies to image models; " + modelSpec + " has no condition (drop --prompt)");
        if (promptEmbeds != null) {
            throw new UserError("--prompt-embeds applies to FLUX.1 models; " + modelSpec + " has no condition (drop --prompt-embeds)");
        }
        if (promptsFile != null) {
            throw new UserError("--prompts applies to image models; " + modelSpec + " has no condition (drop --prompts)");
        }
        if (spec.commandLine().getParseResult().hasMatchedOption("--backend")) {
            throw new UserError("--backend applies to image models; " + modelSpec + " runs on the host (drop --backend)");
        }
    }

    /**
     * Best-of-N and SMC hold every particle at once (N = budget / steps by default): refuse, before the search,
     * a particle set the heap cannot hold rather than fail with an OutOfMemoryError; {@code atOnce} searches hold
     * theirs together.
     */
    private void checkMemory(LoadedModel loaded, int atOnce) {
        int buffers = switch (method) {
            case "bon" -> 5;
            case "smc" -> 8;
            default -> 0;
        };
        if (buffers == 0) return;
        long perLatent = Math.max(1, loaded.model().nfePerLatent());
        long n = budget / perLatent / configuredSampler.steps();
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
        long bytes = n * (dim * 4 + 16) * buffers * atOnce;
        long heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap / 10 * 8) {
            throw new UserError(String.format(Locale.ROOT, "--method %s with %d particles of %d values%s needs about %s of memory;"
                    + " this JVM may use %s (lower --budget, raise --steps, set --search-opt n=,%s or raise -Xmx in"
                    + " FLOWSCALE_JAVA_OPTS)", method, n, dim, atOnce > 1 ? " in each of " + atOnce + " searches at once" : "",
                    gib(bytes), gib(heap), atOnce > 1 ? " lower --concurrent-searches," : ""));
        }
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    /**
     * What every prompt's run shares; {@code model} is what the search calls (the loaded model, or this search's
     * view of the shared calls), {@code release} is run once the search needs no more velocities.
     */
    private record RunContext(LoadedModel loaded, String modelSpec, ModelFingerprint fingerprint, SearchMethod method,
                              Reward reward, OutputDirectory out, PrintWriter stdout, PrintWriter err,
                              VelocityModel model, Runnable release, boolean animated) {
        /** The same run for one search of a batch: its model view, and where it prints. */
        RunContext forSearch(VelocityModel view, PrintWriter o, PrintWriter e, boolean animatedBar) {
            return new RunContext(loaded, modelSpec, fingerprint, method, reward, out, o, e, view, view::close, animatedBar);
        }
    }

    /** One prompt's search as a batch job: its outcome or failure, and what it printed when its output was held back. */
    private record Finished(Outcome outcome, Exception failure, String out, String err) {}

    /**
     * Every prompt of --prompts, {@code --concurrent-searches} at a time with shared model calls ({@link SearchBatch});
     * the outcomes are added to {@code done} in prompt order. After a failed prompt no further prompt starts (those
     * running finish and are written), and the first failure is thrown. With several at a time each search's lines
     * are held back and printed in prompt order when it is done.
     */
    private void runPrompts(RunContext run, List<PromptsFile.Line> lines, List<Condition> conds, List<Outcome> done)
            throws IOException {
        int concurrent = Math.min(lines.size(), concurrentSearches != null ? concurrentSearches : CONCURRENT_SEARCHES_DEFAULT);
        run.out().clear();
        AtomicBoolean failed = new AtomicBoolean();
        List<SearchBatch.Job<Finished>> jobs = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            int index = i;
            PromptsFile.Line l = lines.get(i);
            Path dir = out.resolve(PromptsFile.directoryName(i + 1, l.text()));
            String task = "[" + (i + 1) + "/" + lines.size() + "] " + method + "/" + sampler;
            jobs.add(view -> {
                StringWriter o = new StringWriter(), e = new StringWriter();
                RunContext mine = concurrent == 1 ? run.forSearch(view, run.stdout(), run.err(), run.animated())
                        : run.forSearch(view, new PrintWriter(o), new PrintWriter(e), false);
                Outcome outcome = null;
                Exception failure = null;
                try {
                    outcome = runOne(mine, conds.get(index), l.text(), index, l.number(), dir, task);
                } catch (IOException | RuntimeException x) {
                    failed.set(true);
                    failure = x;
                }
                mine.stdout().flush();
                mine.err().flush();
                return new Finished(outcome, failure, o.toString(), e.toString());
            });
        }
        Throwable[] first = {null};
        SearchBatch.run(run.loaded().model(), jobs, concurrent, () -> stop.requested() || failed.get(), o -> {
            Finished f = o.result();
            Throwable failure = o.ok() ? f.failure() : o.failure();
            if (f != null) {
                run.stdout().print(f.out());
                run.stdout().flush();
                run.err().print(f.err());
                run.err().flush();
                if (f.outcome() != null) done.add(f.outcome());
            }
            if (failure != null && first[0] == null) first[0] = failure;
        });
        switch (first[0]) {
            case null -> {}
            case IOException e -> throw e;
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException(first[0]);
        }
    }

    /**
     * One search for one prompt, its outputs written into {@code dir} and its summary printed. A search that
     * fails after it has rewarded something still writes the best it found, then reports the failure.
     */
    private Outcome runOne(RunContext run, Condition cond, String promptText, int promptIndex, int promptLine, Path dir, String task)
            throws IOException {
        PromptRun.Searched searched;
        try (SearchProgress progress = new SearchProgress(task, budget, run.err(), run.animated(), stop)) {
            SearchProblem problem = new SearchProblem(run.model(), configuredSampler, run.reward(), cond,
                    budget, seed, 0, progress).withNoiseScheme(configuredNoiseScheme);
            searched = PromptRun.search(run.method(), problem);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        } finally {
            run.release().run();
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
        byte[] bestPng = files.contains(ImageOutputs.BEST) ? Files.readAllBytes(dir.resolve(ImageOutputs.BEST)) : null;
        String name = dir.getFileName() == null ? dir.toString() : dir.getFileName().toString();
        String link = name + "/" + (files.contains(ImageOutputs.REPORT) ? ImageOutputs.REPORT : ImageOutputs.TRACE);
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
                run.fingerprint(), cfg, promptEmbeds == null ? null : promptEmbeds.toString(), backend, devices,
                spec.commandLine().getParseResult().originalArgs());
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
