package flowscale.bench;

import flowscale.bench.experiments.Experiments;
import flowscale.kernels.architecture.Layers;
import flowscale.kernels.architecture.PackageDependencies;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Bench uses the runtime as the CLI does, through the application layer and below, never the CLI itself
 * (model loading and user errors live in the application layer and the runtime root for that reason).
 */
class LayeringTest {
    static final Layers BENCH = new Layers()
            .layer("cli", "flowscale.runtime.cli..")
            .layer("bench", "flowscale.bench..")
            .layer("runtime, kernels, loader", "flowscale.runtime..", "flowscale.kernels..", "flowscale.loader..");

    @Test
    void benchDependsOnTheRuntimeBelowTheCliWithoutCycles() {
        List<String> violations = BENCH.violationsIn(PackageDependencies.locationOf(Experiments.class), "flowscale.bench",
                new PackageDependencies.Edge("flowscale.bench.experiments.Experiments", "flowscale.runtime.application.ModelSources"));
        assertEquals(List.of(), violations, String.join("\n", violations));
    }
}
