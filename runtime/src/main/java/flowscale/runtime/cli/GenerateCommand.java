package flowscale.runtime.cli;

import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DeviceSpec;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.search.SearchConfig;
import flowscale.runtime.search.SearchMethod;
import flowscale.runtime.search.SearchMethods;
import flowscale.runtime.search.SearchProblem;
import flowscale.runtime.search.SearchResult;
import flowscale.runtime.search.Timings;
import flowscale.runtime.search.TraceJson;
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
import java.util.concurrent.Callable;

/**
 * {@code flowscale generate}: one reward-guided search under an NFE budget; writes {@code trace.json} and the
 * model kind's outputs (a scatter plot for the 2-D toys) into {@code --out}.
 */
@Command(name = "generate", mixinStandardHelpOptions = true, showDefaultValues = true, sortOptions = false,
        description = {"Run a reward-guided search (inference-time scaling) under an NFE budget.",
                "Writes trace.json and the model's outputs (toy models: particles.png;",
                "DiT models: best.png, best_x8.png, candidates.png) into --out."})
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", defaultValue = "toy:gmm", paramLabel = "SPEC",
            description = "Model: toy:gmm (2-D Gaussian mixture, well separated modes), toy:gmm-close (modes close together), "
                    + "toy:gaussian, or FILE.safetensors (a DiT checkpoint).")
    String model;

    @Option(names = "--method", defaultValue = "rbf", paramLabel = "NAME",
            description = "Search method: none, bon, sop, smc, code, svdd, rbf.")
    String method;

    @Option(names = "--sampler", defaultValue = "vp-sde", paramLabel = "NAME",
            description = "Sampler: ode, linear-sde, vp-sde, linear-sde-adapt-time, linear-sde-adapt-diff.")
    String sampler;

    @Option(names = "--budget", defaultValue = "500", paramLabel = "NFE",
            description = "Total budget of model evaluations (NFE); the search never exceeds it.")
    long budget;

    @Option(names = "--steps", defaultValue = "10", paramLabel = "M", description = "Denoising steps M of the sampler's grid.")
    int steps;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of every random draw (Philox key).")
    long seed;

    @Option(names = "--prompt", defaultValue = "", description = "Prompt, passed to the model as its condition (toy models ignore it).")
    String prompt;

    @Option(names = "--reward", paramLabel = "NAME",
            description = "Reward to maximise (toy models: mode = the rarest mode, or mode:K); default: the model's default.")
    String reward;

    @Option(names = "--search-opt", paramLabel = "KEY=VALUE",
            description = "Method parameter override, repeatable. Keys and defaults: none n=1; bon n=budget/M; "
                    + "sop n=2 k=5 ode-steps=4 forward=780 backward=810 seed-t=120 (0..1000 time scale); "
                    + "smc n=budget/M lambda=1.0 (alias beta) ess-threshold=1.0; code n=2 k=25 l=2; svdd n=2 k=25; "
                    + "rbf n=2 init=25 variant=code.")
    List<String> searchOptions = new ArrayList<>();

    @Option(names = "--rbf-variant", paramLabel = "VARIANT",
            description = "RBF control flow: code (the reference code, default) or paper (Alg. 2). Only with --method rbf.")
    String rbfVariant;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "NAME",
            description = "Kernel backend for image models: cpu, cpu:THREADS, reference, opencl, opencl:P:D "
                    + "(see flowscale info); toy models run on the host.")
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

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if missing).")
    Path out;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter stdout = spec.commandLine().getOut();
        if (budget < 1) throw new UserError("--budget must be >= 1, got " + budget);
        if (steps < 1) throw new UserError("--steps must be >= 1, got " + steps);
        if (!SearchMethods.names().contains(method)) {
            throw new UserError("unknown method '" + method + "'; known: " + String.join(", ", SearchMethods.names()));
        }
        Sampler s;
        SearchMethod searchMethod;
        try {
            s = Sampler.named(sampler).withSteps(steps);
            SearchConfig config = SearchConfig.parse(searchOptions);
            if (rbfVariant != null) {
                if (!method.equals("rbf")) throw new UserError("--rbf-variant only applies to --method rbf");
                config = config.with("variant", rbfVariant);
            }
            searchMethod = SearchMethods.create(method, config);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UserError("--out " + out + " exists and is not a directory");
        if (devices != null && spec.commandLine().getParseResult().hasMatchedOption("--backend")) {
            throw new UserError("give either --backend or --devices, not both (--devices cpu is the same as --backend cpu)");
        }
        try (LoadedModel loaded = ModelSources.open(model, new ModelOptions(backend, cfg, devices))) {
            Reward r = loaded.reward(reward == null ? loaded.defaultReward() : reward);
            Condition cond = loaded.condition(prompt);
            SearchResult result;
            try (SearchProgress progress = new SearchProgress(method + "/" + sampler, budget, err, SearchProgress.animatedByEnvironment())) {
                SearchProblem problem = new SearchProblem(loaded.model(), s, r, cond, budget, seed, 0, progress);
                result = searchMethod.run(problem);
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage(), e);
            }
            Files.createDirectories(out);
            TraceJson.write(result.trace(), out.resolve("trace.json"));
            List<String> files = new ArrayList<>(List.of("trace.json"));
            files.addAll(loaded.writeOutputs(out, result, r, seed));
            summary(stdout, loaded, result, files);
            if (!result.found()) {
                err.println("error: no candidate had a finite estimate and reward (trace written)");
                err.flush();
                return Main.EXIT_INTERNAL;
            }
            return Main.EXIT_OK;
        }
    }

    private void summary(PrintWriter o, LoadedModel loaded, SearchResult result, List<String> files) {
        var t = result.trace();
        Timings tm = t.timings();
        o.printf("model %s (%s), method %s, sampler %s, %d steps, reward %s, seed %d%n",
                model, loaded.kind(), t.method(), t.sampler(), t.steps(), t.reward(), t.seed());
        o.printf("NFE %d of %d, reward calls %d, non-finite %d%n", t.nfe(), t.budget(), t.rewardCalls(), t.nonFinite());
        if (result.found()) {
            if (result.best().length <= 8) {
                o.printf("best reward %.6f at %s%n", result.bestReward(), java.util.Arrays.toString(result.best()));
            } else {
                o.printf("best reward %.6f%n", result.bestReward());
            }
        } else {
            o.println("no candidate had a finite estimate and reward");
        }
        o.printf("time %.1f ms: model %.1f ms, reward %.1f ms, search %.1f ms (%.1f%%)%n", tm.totalNanos() / 1e6,
                tm.modelNanos() / 1e6, tm.rewardNanos() / 1e6, tm.searchNanos() / 1e6, 100 * tm.searchShare());
        o.println("wrote " + String.join(", ", files.stream().map(f -> out.resolve(f).toString()).toList()));
        o.flush();
    }
}
