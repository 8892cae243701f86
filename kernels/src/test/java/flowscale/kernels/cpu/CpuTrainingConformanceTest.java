package flowscale.kernels.cpu;

import flowscale.kernels.conformance.OpResult;
import flowscale.kernels.conformance.TrainingConformance;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cpu backend's training ops against the reference (whose gradients are checked against finite
 * differences in {@code ReferenceGradientTest}), on one thread and on three (uneven chunks, more chunks
 * than cores), over the whole {@link TrainingConformance} suite.
 */
class CpuTrainingConformanceTest {
    private static final long SEED = 20261122L;

    @TestFactory
    List<DynamicNode> cpuTrainingOpsMatchTheReference() {
        List<DynamicNode> perBackend = new ArrayList<>();
        for (int threads : new int[] {1, 3}) {
            List<DynamicTest> perOp = new ArrayList<>();
            for (String op : TrainingConformance.ops()) {
                perOp.add(DynamicTest.dynamicTest(op, () -> {
                    try (CpuBackend backend = new CpuBackend(threads)) {
                        OpResult r = TrainingConformance.run(backend, op, SEED, false);
                        assertTrue(r.ok(), () -> backend.name() + " " + op + ": worst error " + r.worstError()
                                + " > tolerance " + r.tolerance() + "; " + r.detail());
                        assertTrue(r.shapes() > 0, "no cases ran");
                    }
                }));
            }
            perBackend.add(DynamicContainer.dynamicContainer("cpu:" + threads, perOp));
        }
        return perBackend;
    }
}
