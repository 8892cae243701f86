package flowscale.runtime.model.text;

/**
 * What loading a text encoder folder would give, known from its headers and config.json alone: the inferred
 * configuration (the keys already checked against it) and the memory its weights take.
 */
public record EncoderPlan<C>(C config, MemoryPlan memory) {}
