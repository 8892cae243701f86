package flowscale.kernels.conformance;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conformance suite for every backend this build provides ({@link Backends#available()}), one dynamic
 * test per op, so a new backend is checked as soon as it is on the class path. The reference is run
 * against itself too: that proves the suite's cases are valid inputs and its comparison has no false
 * alarms.
 */
class ConformanceTest {
    private static final long SEED = 20261122L;

    /**
     * The suite below checks whatever backends are found, so a machine without the Vector API or an OpenCL
     * device would pass it with fewer backends; this makes the build fail there instead of going green
     * without them.
     */
    @Test
    void everyBackendOfTheBuildIsPresent() {
        assertEquals(List.of("reference", "cpu", "opencl"), Backends.available(),
                "a backend is missing; opencl needs an OpenCL device (Debian: apt-get install pocl-opencl-icd "
                        + "ocl-icd-opencl-dev), cpu needs --add-modules jdk.incubator.vector");
    }

    @TestFactory
    List<DynamicNode> everyBackendMatchesTheReference() {
        List<DynamicNode> perBackend = new ArrayList<>();
        for (String name : Backends.available()) {
            List<DynamicTest> perOp = new ArrayList<>();
            for (String op : Conformance.ops()) {
                perOp.add(DynamicTest.dynamicTest(op, () -> {
                    try (Backend backend = Backends.create(name)) {
                        OpResult r = Conformance.run(backend, op, SEED, false);
                        assertTrue(r.ok(), () -> name + " " + op + ": worst error " + r.worstError() + " > tolerance "
                                + r.tolerance() + " over " + r.shapes() + " cases; " + r.detail());
                        assertTrue(r.shapes() > 0, "no cases ran");
                    }
                }));
            }
            perBackend.add(DynamicContainer.dynamicContainer(name, perOp));
        }
        return perBackend;
    }
}
