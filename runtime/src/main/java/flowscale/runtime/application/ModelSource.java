package flowscale.runtime.application;

import flowscale.runtime.UserError;

/**
 * Resolves a {@code --model} value to a loaded model. Each kind of model (the analytic toys now, safetensors
 * DiT files later) is one source; {@link ModelSources} asks each in turn.
 */
public interface ModelSource {
    /** Whether this source handles the spec, e.g. {@code toy:gmm}. */
    boolean accepts(String spec);

    /** Opens the model; throws {@link UserError} for a spec it accepts but cannot open. */
    LoadedModel open(String spec, ModelOptions options);

    /**
     * Whether prompts for this source's models are shapes-world prompts, which a {@code --prompts} file is parsed as
     * before the model loads; otherwise the file's lines are taken as text for the model's text encoders.
     */
    default boolean shapesWorldPrompts() {
        return true;
    }

    /** Short description of the specs accepted, for error messages, e.g. {@code toy:gaussian, toy:gmm}. */
    String describe();
}
