package flowscale.runtime.cli;

import java.util.List;
import java.util.stream.Collectors;

/** The model sources {@code generate} knows, asked in order. A new model kind adds its source here. */
public final class ModelSources {
    private static final List<ModelSource> SOURCES = List.of(new ToyModelSource());

    private ModelSources() {}

    public static LoadedModel open(String spec) {
        for (ModelSource s : SOURCES) {
            if (s.accepts(spec)) return s.open(spec);
        }
        throw new UserError("unknown model '" + spec + "'; known: "
                + SOURCES.stream().map(ModelSource::describe).collect(Collectors.joining(", ")));
    }
}
