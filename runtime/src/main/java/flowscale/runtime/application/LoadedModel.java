package flowscale.runtime.application;

import flowscale.runtime.UserError;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.PromptEmbedding;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.search.SearchResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A model opened for {@code generate}, with what depends on its kind: how a prompt becomes a condition,
 * which rewards it supports, and how results are written (a scatter plot for 2-D toys, images for image models).
 */
public interface LoadedModel extends AutoCloseable {
    VelocityModel model();

    /** Kind shown in summaries, e.g. {@code toy-2d}. */
    String kind();

    /** The condition for a prompt (toy models ignore it and use {@link Condition#NONE}). */
    Condition condition(String prompt);

    /**
     * The condition for a prompt given as text-encoder outputs ({@code --prompt-embeds}), named {@code prompt} in traces
     * and reports; a model not conditioned on embeddings refuses it in one line.
     */
    default Condition condition(String prompt, PromptEmbedding embedding) {
        throw new UserError("--prompt-embeds applies to FLUX.1 models; " + this + " (" + kind() + ") is not one (drop --prompt-embeds)");
    }

    /** Steps of the sampler's grid when {@code --steps} is not given. */
    default int defaultSteps() {
        return Sampler.DEFAULT_STEPS;
    }

    /** {@code sampler} on this model's own time schedule, when it has one ({@link Sampler#withTimeShift}). */
    default Sampler schedule(Sampler sampler) {
        return sampler;
    }

    /** What the trace records about the model's pipeline besides the common fields (FLUX: VAE, size, guidance). */
    default java.util.Map<String, Object> traceFields() {
        return java.util.Map.of();
    }

    String defaultReward();

    /** Reward names accepted by {@link #reward}, for help and errors. */
    List<String> rewardNames();

    /** The named reward; throws {@link UserError} for unknown names. */
    Reward reward(String name);

    /**
     * Writes the kind's outputs for a finished (or interrupted) search into {@code dir} (which exists and
     * already holds {@code trace.json}), each file through a temporary file. Returns the names of the files
     * written.
     */
    List<String> writeOutputs(Path dir, SearchResult result, Reward reward, RunInfo run) throws IOException;

    @Override
    default void close() {}
}
