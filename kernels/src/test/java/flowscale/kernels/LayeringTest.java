package flowscale.kernels;

import flowscale.kernels.architecture.Layers;
import flowscale.kernels.architecture.PackageDependencies;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The kernels' packages point one way: the root package (tensors, the Backend SPI, the RNG) knows no backend,
 * the backends know the root, and the conformance suite sits on top (it compares against the reference).
 * Backends are found through {@link BackendProvider} entries, never by naming their packages. Below them
 * all is model-loader, for its {@code AtomicFile}.
 */
class LayeringTest {
    static final Layers KERNELS = new Layers()
            .layer("conformance", "flowscale.kernels.conformance..")
            .layer("backends", "flowscale.kernels.reference..", "flowscale.kernels.cpu..", "flowscale.kernels.opencl..")
            .layer("core", "flowscale.kernels")
            .layer("loader (AtomicFile)", "flowscale.loader..");

    @Test
    void kernelPackagesDependDownwardsWithoutCycles() {
        List<String> violations = KERNELS.violationsIn(PackageDependencies.locationOf(Backends.class), "flowscale.kernels",
                new PackageDependencies.Edge("flowscale.kernels.cpu.CpuProvider", "flowscale.kernels.Backends"));
        assertEquals(List.of(), violations, String.join("\n", violations));
    }
}
