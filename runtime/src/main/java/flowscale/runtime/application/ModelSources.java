package flowscale.runtime.application;

import flowscale.runtime.UserError;

import java.util.List;
import java.util.stream.Collectors;

/** The model sources {@code generate} knows, asked in order. A new model kind adds its source here. */
public final class ModelSources {
    private static final FluxModelSource FLUX = new FluxModelSource();
    private static final List<ModelSource> SOURCES = List.of(new ToyModelSource(), FLUX, new DiTModelSource());

    private ModelSources() {}

    public static LoadedModel open(String spec) {
        return open(spec, ModelOptions.DEFAULTS);
    }

    public static LoadedModel open(String spec, ModelOptions options) {
        return source(spec).open(spec, options);
    }

    /** Whether {@code spec}'s prompts are shapes-world prompts ({@link ModelSource#shapesWorldPrompts}); asks no more than a header. */
    public static boolean shapesWorldPrompts(String spec) {
        return source(spec).shapesWorldPrompts();
    }

    /** Whether {@code spec} is a folder that is a model: a diffusers FLUX.1 transformer or pipeline folder. */
    public static boolean isModelFolder(String spec) {
        return java.nio.file.Files.isDirectory(java.nio.file.Path.of(spec)) && FLUX.accepts(spec);
    }

    private static ModelSource source(String spec) {
        for (ModelSource s : SOURCES) {
            if (s.accepts(spec)) return s;
        }
        throw new UserError("unknown model '" + spec + "'; known: "
                + SOURCES.stream().map(ModelSource::describe).collect(Collectors.joining(", ")));
    }
}
