package flowscale.spark;

import flowscale.kernels.architecture.Layers;
import flowscale.kernels.architecture.PackageDependencies;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Spark application uses the runtime as the CLI does, through the application layer and below, never the CLI
 * itself: a prompt's directory is written by {@code application.PromptRun}, which {@code generate} uses too.
 */
class LayeringTest {
    static final Layers SPARK = new Layers()
            .layer("cli", "flowscale.runtime.cli..")
            .layer("spark", "flowscale.spark..")
            .layer("runtime, kernels, loader", "flowscale.runtime..", "flowscale.kernels..", "flowscale.loader..");

    @Test
    void sparkDependsOnTheRuntimeBelowTheCliWithoutCycles() {
        List<String> violations = SPARK.violationsIn(PackageDependencies.locationOf(BatchJob.class), "flowscale.spark",
                new PackageDependencies.Edge("flowscale.spark.PromptTask", "flowscale.runtime.application.PromptRun"));
        assertEquals(List.of(), violations, String.join("\n", violations));
    }
}
