package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import flowscale.loader.AtomicFile;
import flowscale.runtime.UserError;
import flowscale.runtime.application.LoadedModel;
import flowscale.runtime.application.ModelOptions;
import flowscale.runtime.application.ModelSources;
import flowscale.runtime.data.GridImage;
import flowscale.runtime.data.Prompt;
import flowscale.runtime.data.ShapesWorld;
import flowscale.runtime.flow.Estimate;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.train.ModelEvaluation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code flowscale evaluate}: a model's quality without search, on held-out prompts — the model card's numbers. */
@Command(name = "evaluate",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Sample one image per held-out prompt with a plain sampler (no search, no reward in the loop) and"
                    + " score them: exact-count accuracy (every group's count right, nothing extra), counts right (extras"
                    + " allowed), mean RSS, the held-out metric and the valid-shape fraction, overall and by number of groups.",
            "",
            "Writes evaluation.md, evaluation.json and samples.png (the first 48, captioned) to --out."})
public final class EvaluateCommand implements Runnable {
    private static final int GRID = 48;

    @Option(names = "--model", required = true, description = "DiT checkpoint (.safetensors).")
    String model;

    @Option(names = {"--count", "--num-prompts"}, paramLabel = "N",
            description = "Number of held-out prompts (1-3 groups, from ShapesWorld.heldOutPrompts).", defaultValue = "200")
    int prompts;

    /** The old name of --count; generate's --prompts takes a file, so the same name for a number misled. */
    @Option(names = "--prompts", hidden = true)
    String oldPromptsOption;

    @Option(names = "--prompt-seed", description = "Seed of the held-out prompt set.", defaultValue = "0")
    long promptSeed;

    @Option(names = "--prompt-set", defaultValue = "easy", paramLabel = "SET",
            description = "easy: held-out prompts drawn as in training (1-3 groups); hard: 3 groups with 7 or 8 objects.")
    String promptSet;

    @Option(names = "--estimate-from", paramLabel = "T",
            description = {"Score clean estimates from time T in (0, 1] instead of samples: the ODE of the d = 0 velocity from",
                    "1 to T, then one estimate there (--estimate: the one-step jump of a shortcut model, or tweedie).",
                    "--sampler and --steps do not apply. E.g. 0.709 and 0.93, where the VP grid's searches estimate."})
    Double estimateFrom;

    @Option(names = "--seed", description = "Seed of the sampling noise.", defaultValue = "0")
    long seed;

    @Option(names = "--sampler", description = "Sampler (ode is Linear-ODE: the plain deterministic flow).", defaultValue = "ode")
    String sampler;

    @Option(names = "--steps", description = "Sampler steps (NFE per image).", defaultValue = "" + Sampler.DEFAULT_STEPS)
    int steps;

    @Option(names = "--estimate", defaultValue = "auto", description = "Clean estimate of the last step: auto (a shortcut"
            + " model's one-step estimate, else tweedie), tweedie, schnell or faithful (see generate --help).")
    String estimate;

    @Option(names = "--cfg", description = "Classifier-free guidance scale (1 = off; otherwise 2 NFE per step).", defaultValue = "1.0")
    double cfg;

    @Option(names = "--backend", description = "Kernel backend.", defaultValue = "cpu")
    String backend;

    @Option(names = "--out", required = true, description = "Output directory (created if missing).")
    Path out;

    @Override
    public void run() {
        if (oldPromptsOption != null) {
            throw new UserError("evaluate --prompts was renamed --count (the number of held-out prompts, e.g. --count "
                    + InputLimits.echo(oldPromptsOption) + "); generate --prompts takes a file");
        }
        if (prompts < 1 || prompts > 100_000) throw new UserError("--count must be in 1..100000, got " + prompts);
        InputLimits.cfg(cfg);
        InputLimits.threads("--backend", backend);
        OutputDirectory.check(out);
        model = ModelNames.normalise(model);
        if (ModelNames.isToy(model)) {
            throw new UserError("evaluate scores images of the shapes world; " + model + " is a 2-D toy (give a DiT checkpoint)");
        }
        if (!Files.exists(Path.of(model))) throw new UserError("model file " + InputLimits.echo(model) + " does not exist");
        InputLimits.regularFile("--model", Path.of(model), -1);
        if (!ModelSources.shapesWorldPrompts(model)) {
            throw new UserError("evaluate measures shapes-world DiT checkpoints; " + model + " is a FLUX.1 transformer (use generate)");
        }
        sampler = sampler.toLowerCase(Locale.ROOT);
        if (steps < 1 || steps > 1000) throw new UserError("--steps must be in 1..1000, got " + steps);
        Sampler s;
        try {
            s = Sampler.named(sampler).withSteps(steps).withEstimate(Estimate.parse(estimate));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        if (!promptSet.equals("easy") && !promptSet.equals("hard")) {
            throw new UserError("--prompt-set must be easy or hard, got '" + InputLimits.echo(promptSet) + "'");
        }
        if (estimateFrom != null && !(estimateFrom > 0 && estimateFrom <= 1)) {
            throw new UserError("--estimate-from must be in (0, 1], got " + estimateFrom);
        }
        List<Prompt> list = promptSet.equals("hard") ? ShapesWorld.hardHeldOutPrompts(prompts, promptSeed)
                : ShapesWorld.heldOutPrompts(prompts, promptSeed);
        try (LoadedModel m = ModelSources.open(model, new ModelOptions(backend, cfg))) {
            VelocityModel vm = m.model();
            try {
                s = s.withEstimate(s.estimate().resolve(vm));
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage(), e);
            }
            createOut(); // before the work: a directory that cannot be created should not cost an evaluation
            long start = System.nanoTime();
            ModelEvaluation.Result r = estimateFrom == null ? ModelEvaluation.evaluate(vm, s, list, seed, 64)
                    : ModelEvaluation.evaluateEstimates(vm, estimateFrom, s.estimate(), list, seed, 64);
            double seconds = (System.nanoTime() - start) / 1e9;
            write(r, s, seconds, m.kind());
            String how = estimateFrom == null ? s.name() + " " + steps + " steps"
                    : s.estimate().label() + " estimates from t = " + estimateFrom;
            System.out.printf(Locale.ROOT, "%d %s prompts, %s: exact-count accuracy %.1f%%, counts right %.1f%%, mean RSS %.3f, "
                            + "held-out %.3f, valid shapes %.1f%% (%.1f s)%n", r.size(), promptSet, how, 100 * r.exactAccuracy(),
                    100 * r.countsRightAccuracy(), r.meanRss(), r.meanHeldOut(), 100 * r.validShapeFraction(), seconds);
        }
    }

    private void createOut() {
        try {
            Files.createDirectories(out);
        } catch (java.nio.file.FileSystemException e) {
            throw new UserError("--out " + out + ": cannot create the directory (" + OutputDirectory.reason(e) + ")", e);
        } catch (IOException e) {
            throw new UserError("--out " + out + ": cannot create the directory (" + e.getMessage() + ")", e);
        }
    }

    private void write(ModelEvaluation.Result r, Sampler s, double seconds, String kind) {
        try {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("model", model);
            json.put("model_kind", kind);
            json.put("prompts", r.size());
            json.put("prompt_seed", promptSeed);
            json.put("prompt_set", promptSet);
            json.put("seed", seed);
            if (estimateFrom != null) json.put("estimate_from", estimateFrom);
            json.put("sampler", s.name());
            json.put("steps", steps);
            json.put("estimate", s.estimate().label());
            json.put("cfg", cfg);
            json.put("exact_count_accuracy", r.exactAccuracy());
            json.put("counts_right_accuracy", r.countsRightAccuracy());
            json.put("mean_rss", r.meanRss());
            json.put("held_out_metric", r.meanHeldOut());
            json.put("valid_shape_fraction", r.validShapeFraction());
            for (int g = 1; g <= 3; g++) {
                json.put("exact_count_accuracy_" + g + "_groups", r.exactAccuracy(g));
                json.put("prompts_" + g + "_groups", r.count(g));
            }
            json.put("seconds", seconds);
            AtomicFile.writeString(out.resolve("evaluation.json"),
                    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));

            StringBuilder md = new StringBuilder();
            String how = estimateFrom == null ? String.format(Locale.ROOT, "%s with %d steps", s.name(), steps)
                    : String.format(Locale.ROOT, "%s estimates from t = %s (ODE of the d = 0 velocity to there)", s.estimate().label(), estimateFrom);
            md.append(String.format(Locale.ROOT, "Model `%s`, %d held-out %s prompts (seed %d), %s, cfg %s, noise seed %d.%n%n",
                    model, r.size(), promptSet, promptSeed, how, cfg, seed));
            md.append("| metric | value |\n|---|---:|\n");
            md.append(String.format(Locale.ROOT, "| exact-count accuracy (all groups right, nothing extra) | %.1f%% |%n", 100 * r.exactAccuracy()));
            for (int g = 1; g <= 3; g++) {
                md.append(String.format(Locale.ROOT, "| &nbsp;&nbsp;prompts with %d group%s (%d) | %.1f%% |%n", g, g == 1 ? "" : "s",
                        r.count(g), 100 * r.exactAccuracy(g)));
            }
            md.append(String.format(Locale.ROOT, "| counts right (extras allowed) | %.1f%% |%n", 100 * r.countsRightAccuracy()));
            md.append(String.format(Locale.ROOT, "| mean RSS (counting reward = -RSS) | %.3f |%n", r.meanRss()));
            md.append(String.format(Locale.ROOT, "| held-out metric (mean) | %.3f |%n", r.meanHeldOut()));
            md.append(String.format(Locale.ROOT, "| valid-shape fraction of detected objects | %.1f%% |%n", 100 * r.validShapeFraction()));
            AtomicFile.writeString(out.resolve("evaluation.md"), md.toString());

            List<float[]> tiles = new ArrayList<>();
            List<String> captions = new ArrayList<>();
            for (ModelEvaluation.Sample x : r.samples().subList(0, Math.min(GRID, r.size()))) {
                tiles.add(x.image());
                captions.add((x.score().tally().exact() ? "ok " : "no ") + x.prompt().canonical());
            }
            int size = (int) Math.round(Math.sqrt(r.samples().get(0).image().length / 3.0));
            GridImage.write(out.resolve("samples.png"), tiles, captions, size, size, 4, 8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the evaluation to " + out + ": " + e.getMessage(), e);
        }
    }

}
