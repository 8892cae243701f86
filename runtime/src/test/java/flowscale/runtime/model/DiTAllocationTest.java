package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A steady-state forward pass allocates (almost) nothing on the calling thread: activation buffers and
 * their views are made once per batch size, condition tokens are cached per prompt. The bound leaves
 * room for incidental JIT/bookkeeping noise but not for a single activation-sized array.
 */
class DiTAllocationTest {

    @Test
    void repeatedForwardsAllocateNothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        DiTConfig config = DiTConfig.of(32, 2, 2, 4.0, 5, 3);
        int n = 6;
        DiTForwardTest.Inputs in = DiTForwardTest.Inputs.random(new SplittableRandom(11), n, config.imageFloats());
        float[][] out = new float[n][config.imageFloats()];
        try (Backend backend = Backends.create("cpu");
             DiT model = DiT.fromWeights(config, DiTCheckpoints.randomWeights(config, 11), backend, 2.0, 64)) {
            for (int i = 0; i < 20; i++) model.velocity(n, in.x(), in.t(), in.cond(), out);
            long tid = Thread.currentThread().threadId();
            int reps = 20;
            long before = threads.getThreadAllocatedBytes(tid);
            for (int i = 0; i < reps; i++) model.velocity(n, in.x(), in.t(), in.cond(), out);
            long perForward = (threads.getThreadAllocatedBytes(tid) - before) / reps;
            // One image is 12 KiB; a single leaked activation buffer would be far above this bound.
            assertTrue(perForward < 512, "a steady-state forward allocated " + perForward + " bytes");
        }
    }
}
