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

    /** Short description of the specs accepted, for error messages, e.g. {@code toy:gaussian, toy:gmm}. */
    String describe();
}
