package flowscale.runtime;

import flowscale.kernels.architecture.Layers;
import flowscale.kernels.architecture.PackageDependencies;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The runtime's packages depend one way (design.md section 2): the CLI on the application layer (model
 * loading, run settings), that on the search, training, report, reward and data packages, those on the flow
 * math, that on the models and the tokenizers, and everything on the kernels and the loader; {@link UserError} sits below all of
 * them because every layer that meets user input throws it. The check reads the compiled classes, so it also
 * sees fully qualified uses and class names given to reflection; {@code LayersTest} in kernels shows it failing.
 */
class LayeringTest {
    static final Layers RUNTIME = new Layers()
            .layer("cli", "flowscale.runtime.cli..")
            .layer("application", "flowscale.runtime.application..")
            .layer("search, train, report, reward, data", "flowscale.runtime.search..", "flowscale.runtime.train..",
                    "flowscale.runtime.report..", "flowscale.runtime.reward..", "flowscale.runtime.data..")
            .layer("flow", "flowscale.runtime.flow..")
            .layer("model, text", "flowscale.runtime.model..", "flowscale.runtime.text..")
            .layer("user errors", "flowscale.runtime")
            .layer("kernels, loader", "flowscale.kernels..", "flowscale.loader..");

    @Test
    void runtimePackagesDependDownwardsWithoutCycles() {
        List<String> violations = RUNTIME.violationsIn(PackageDependencies.locationOf(UserError.class), "flowscale.runtime",
                new PackageDependencies.Edge("flowscale.runtime.cli.GenerateCommand", "flowscale.runtime.application.ModelSources"));
        assertEquals(List.of(), violations, String.join("\n", violations));
    }
}
