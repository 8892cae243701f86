package flowscale.kernels.cpu;

import flowscale.kernels.conformance.Conformance;
import flowscale.kernels.conformance.OpResult;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared conformance suite for the thread counts the registry's default {@code cpu} does not cover:
 * one thread (no pool at all) and three (uneven chunks, more chunks than this machine has cores).
 */
class CpuConformanceTest {
    private static final long SEED = 20261122L;

    @TestFactory
    List<DynamicNode> cpuMatchesTheReferenceOnOneAndThreeThreads() {
        List<DynamicNode> perBackend = new ArrayList<>();
        for (int threads : new int[] {1, 3}) {
            List<DynamicTest> perOp = new ArrayList<>();
            for (String op : Conformance.ops()) {
                perOp.add(DynamicTest.dynamicTest(op, () -> {
                    try (CpuBackend backend = new CpuBackend(threads)) {
                        OpResult r = Conformance.run(backend, op, SEED, false);
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
