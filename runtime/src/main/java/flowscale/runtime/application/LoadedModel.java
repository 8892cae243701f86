package flowscale.runtime.application;

import flowscale.runtime.UserError;
import flowscale.runtime.model.Condition;
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
