package flowscale.runtime.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.data.ShapesWorld;
import flowscale.runtime.data.Vocabulary;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Everything a training run depends on. A config file (JSON) names only what it changes; every other field
 * keeps the default below, which is the configuration the shipped model was trained with.
 *
 * <p>Choices, and why:
 * <ul>
 *   <li>Time sampling {@code t = sigmoid(n)}, {@code n ~ N(timeLogitMean, timeLogitStd^2)}: the logit-normal of
 *       SD3 (Esser et al. 2024), which FLUX uses too. It spends most samples at intermediate t, where the
 *       velocity is hardest to predict; the ends (pure data, pure noise) are easy. With the linear interpolant
 *       {@code x_t = (1 - t) x0 + t noise} the target is {@code noise - x0}.</li>
 *   <li>Condition dropout {@code conditionDropout}: the fraction of items trained with the null condition, so
 *       one network also gives the unconditional velocity that classifier-free guidance needs (10% as in
 *       DiT/SD practice).</li>
 *   <li>AdamW with {@code beta2 = 0.99} (small batches, short run: a shorter second-moment memory adapts
 *       faster), linear warm-up then cosine decay to {@code minLearningRateFraction} of the peak, global
 *       gradient-norm clipping, and an EMA of the weights (the shipped weights are the EMA).</li>
 *   <li>{@code shortcut}: train a few-step model with a step-size input d (Frans et al. 2024, "One Step Diffusion
 *       via Shortcut Models"). The first {@code 1 - shortcutFraction} of each batch keeps the flow-matching loss at
 *       d = 0, so d = 0 stays a true velocity (the score and the VP conversion need one); the rest is trained on
 *       the self-consistency target {@code s(x_t, t, 2h) = (s(x_t, t, h) + s(x_t - h s(x_t, t, h), t - h, h)) / 2},
 *       computed by the current weights without gradient, for a step {@code 2h = 2^-k} ({@code 1/shortcutSteps <=
 *       2h <= 1}, levels uniform) and a time {@code t = j 2h} on that step's grid ({@code j} uniform in
 *       {@code 1..1/(2h)}), so that both half steps stay inside [0, 1] and the full jump from t to 0 is trained at
 *       every level. At the finest level the half steps use d = 0, which ties the ladder to the velocity.
 *       {@code shortcutSteps = 128} is the paper's M.</li>
 *   <li>{@code init}: a DiT checkpoint to start from instead of adaLN-Zero (the way to fine-tune the shipped model
 *       into a shortcut one: its weights, plus a step-size embedder whose zero output layer leaves it unchanged).</li>
 * </ul>
 */
public record TrainConfig(
        int hiddenSize,
        int depth,
        int numHeads,
        double mlpRatio,
        int patchSize,
        int frequencyEmbeddingSize,
        int batchSize,
        long steps,
        double learningRate,
        long warmupSteps,
        double minLearningRateFraction,
        double beta1,
        double beta2,
        double adamEpsilon,
        double weightDecay,
        double gradientClip,
        double emaDecay,
        double conditionDropout,
        double timeLogitMean,
        double timeLogitStd,
        long seed,
        long checkpointEvery,
        double maxMinutes,
        int threads,
        boolean shortcut,
        double shortcutFraction,
        int shortcutSteps,
        String init) {

    /** The shipped model's configuration. */
    public static final TrainConfig DEFAULT = new TrainConfig(
            128, 6, 4, 4.0, 4, 256,
            32, 16_000, 1e-3, 300, 0.05,
            0.9, 0.99, 1e-8, 0.01, 1.0, 0.999,
            0.1, 0.0, 1.0,
            1, 250, 0.0, 0,
            false, 0.25, 128, "");

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public TrainConfig {
        List<String> bad = new ArrayList<>();
        if (hiddenSize < 8 || hiddenSize % 4 != 0) bad.add("hiddenSize " + hiddenSize + " must be a multiple of 4, at least 8");
        if (depth < 1) bad.add("depth " + depth + " must be at least 1");
        if (numHeads < 1 || hiddenSize % Math.max(1, numHeads) != 0) bad.add("numHeads " + numHeads + " must divide hiddenSize " + hiddenSize);
        if (!(mlpRatio > 0) || !Double.isFinite(mlpRatio)) bad.add("mlpRatio " + mlpRatio + " must be positive");
        if (patchSize < 1 || ShapesWorld.SIZE % patchSize != 0) bad.add("patchSize " + patchSize + " must divide the image size " + ShapesWorld.SIZE);
        if (frequencyEmbeddingSize < 2) bad.add("frequencyEmbeddingSize " + frequencyEmbeddingSize + " must be at least 2");
        if (batchSize < 1) bad.add("batchSize " + batchSize + " must be at least 1");
        if (steps < 1) bad.add("steps " + steps + " must be at least 1");
        if (!(learningRate > 0) || !Double.isFinite(learningRate)) bad.add("learningRate " + learningRate + " must be positive");
        if (warmupSteps < 0) bad.add("warmupSteps " + warmupSteps + " must not be negative");
        if (!(minLearningRateFraction >= 0 && minLearningRateFraction <= 1)) bad.add("minLearningRateFraction " + minLearningRateFraction + " must be in [0, 1]");
        if (!(beta1 >= 0 && beta1 < 1)) bad.add("beta1 " + beta1 + " must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) bad.add("beta2 " + beta2 + " must be in [0, 1)");
        if (!(adamEpsilon > 0)) bad.add("adamEpsilon " + adamEpsilon + " must be positive");
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) bad.add("weightDecay " + weightDecay + " must be >= 0");
        if (!(gradientClip > 0)) bad.add("gradientClip " + gradientClip + " must be positive");
        if (!(emaDecay >= 0 && emaDecay < 1)) bad.add("emaDecay " + emaDecay + " must be in [0, 1)");
        if (!(conditionDropout >= 0 && conditionDropout <= 1)) bad.add("conditionDropout " + conditionDropout + " must be in [0, 1]");
        if (!Double.isFinite(timeLogitMean)) bad.add("timeLogitMean must be finite");
        if (!(timeLogitStd > 0) || !Double.isFinite(timeLogitStd)) bad.add("timeLogitStd " + timeLogitStd + " must be positive");
        if (checkpointEvery < 1) bad.add("checkpointEvery " + checkpointEvery + " must be at least 1");
        if (!(maxMinutes >= 0) || !Double.isFinite(maxMinutes)) bad.add("maxMinutes " + maxMinutes + " must be >= 0 (0: no limit)");
        if (threads < 0) bad.add("threads " + threads + " must be >= 0 (0: one per core)");
        if (!(shortcutFraction >= 0 && shortcutFraction < 1)) bad.add("shortcutFraction " + shortcutFraction + " must be in [0, 1)");
        if (shortcutSteps < 2 || Integer.bitCount(shortcutSteps) != 1) bad.add("shortcutSteps " + shortcutSteps + " must be a power of two, at least 2");
        if (shortcut && (Math.round(batchSize * shortcutFraction) < 1 || Math.round(batchSize * shortcutFraction) >= batchSize)) {
            bad.add("shortcut training needs batchSize x shortcutFraction to round to at least 1 self-consistency item and"
                    + " leave at least 1 flow-matching item, got " + batchSize + " x " + shortcutFraction);
        }
        if (init == null) init = "";
        if (!bad.isEmpty()) throw new IllegalArgumentException("training config: " + String.join("; ", bad));
    }

    /** The model this run trains: the shapes world's image and vocabulary, this config's sizes. */
    public DiTConfig model() {
        return new DiTConfig(ShapesWorld.SIZE, 3, patchSize, hiddenSize, depth, numHeads, mlpRatio, frequencyEmbeddingSize,
                Vocabulary.MAX_GROUPS, Vocabulary.MAX_COUNT, Vocabulary.COLOURS, Vocabulary.SHAPES, Map.of(), shortcut);
    }

    /** Items of each batch trained on the self-consistency target (the last ones); 0 unless {@link #shortcut}. */
    public int selfConsistencyItems() {
        return shortcut ? (int) Math.round(batchSize * shortcutFraction) : 0;
    }

    /** Reads a JSON object whose fields override {@link #DEFAULT}; unknown fields and bad values fail in one line. */
    public static TrainConfig read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("training config " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read training config " + file + ": " + e.getMessage());
        }
        return parse(text, file.toString());
    }

    /** {@link #read} from a string; {@code source} names it in errors. */
    public static TrainConfig parse(String json, String source) {
        Map<String, Object> overrides;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JSON.readValue(json, Map.class);
            overrides = m;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("training config " + source + " is not a JSON object: "
                    + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (overrides == null) throw new IllegalArgumentException("training config " + source + " is not a JSON object");
        Map<String, Object> merged = DEFAULT.toMap();
        TreeSet<String> unknown = new TreeSet<>(overrides.keySet());
        unknown.removeAll(merged.keySet());
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("training config " + source + ": unknown fields " + unknown + " (known: " + merged.keySet() + ")");
        }
        merged.putAll(overrides);
        try {
            return JSON.convertValue(merged, TrainConfig.class);
        } catch (IllegalArgumentException e) {
            Throwable root = e;
            while (root.getCause() != null) root = root.getCause();
            String message = root.getMessage() == null ? e.getMessage() : root.getMessage();
            throw new IllegalArgumentException(message.startsWith("training config") ? message
                    : "training config " + source + ": " + message.lines().findFirst().orElse(""));
        }
    }

    /** This config with the fields of a JSON object replaced (the same rules as a config file). */
    public TrainConfig withOverrides(String json) {
        Map<String, Object> merged = toMap();
        TrainConfig overrides = parse(json, "overrides"); // validates names and values
        Map<String, Object> given;
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = JSON.readValue(json, Map.class);
            given = m;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("overrides are not a JSON object", e);
        }
        Map<String, Object> values = overrides.toMap();
        for (String key : given.keySet()) merged.put(key, values.get(key));
        return JSON.convertValue(merged, TrainConfig.class);
    }

    /** Field name to value, in declaration order. */
    public Map<String, Object> toMap() {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = JSON.convertValue(this, LinkedHashMap.class);
        return m;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write training config as JSON", e);
        }
    }

    /**
     * Whether a run with this config may continue a checkpoint written under {@code saved}: everything that
     * shapes the result must match; only the length of the run and bookkeeping may change.
     */
    public List<String> resumeConflicts(TrainConfig saved) {
        Map<String, Object> now = toMap(), then = saved.toMap();
        List<String> conflicts = new ArrayList<>();
        for (String key : now.keySet()) {
            if (key.equals("steps") || key.equals("maxMinutes") || key.equals("checkpointEvery") || key.equals("threads")) continue;
            if (!String.valueOf(now.get(key)).equals(String.valueOf(then.get(key)))) {
                conflicts.add(key + " " + then.get(key) + " -> " + now.get(key));
            }
        }
        return conflicts;
    }
}
