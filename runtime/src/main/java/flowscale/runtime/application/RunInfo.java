package flowscale.runtime.application;

/**
 * What a model's outputs and report say about the run besides the trace: the prompt as the user wrote
 * it, the model as given (a path or a spec) and the seed.
 */
public record RunInfo(String prompt, String model, long seed) {}
