package flowscale.kernels.cpu;

import flowscale.kernels.ConvWeight;
import flowscale.kernels.Tensor;
import flowscale.kernels.WeightType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.util.Random;

import static flowscale.kernels.cpu.TestData.random;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The VAE decoder's ops allocate nothing in steady state either (as {@link CpuAllocationTest} for the
 * transformer's): after a warm-up, many calls of conv2d (F32 and BF16 weights, 3x3 and 1x1), groupNorm and
 * upsampling allocate under a small constant on the caller and the pool's workers.
 */
class CpuImageAllocationTest {
    private static final long SLACK_BYTES = 16 * 1024;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void imageOpsDoNotAllocateInSteadyState() {
        try (CpuBackend be = new CpuBackend(2); Arena arena = Arena.ofShared()) {
            Random rnd = new Random(11);
            int c = 32, h = 9, w = 21;
            Tensor x = be.upload(random(rnd, 2 * c * h * w), 2, c, h, w);
            Tensor out = be.allocate(2, c, h, w);
            Tensor bias = be.upload(random(rnd, c), c);
            Tensor gamma = be.upload(random(rnd, c), c), beta = be.upload(random(rnd, c), c);
            Tensor up = be.allocate(2, c, 2 * h, 2 * w);
            ConvWeight f32 = be.packConv(weights(arena, rnd, c * c * 9, WeightType.F32), WeightType.F32, c, c, 3, 3);
            ConvWeight bf16 = be.packConv(weights(arena, rnd, c * c, WeightType.BF16), WeightType.BF16, c, c, 1, 1);
            Runnable[] ops = {
                () -> be.conv2d(x, f32, bias, out),
                () -> be.conv2d(x, bf16, null, out),
                () -> be.groupNorm(x, 8, gamma, beta, 1e-6f, out),
                () -> be.upsampleNearest2x(x, up),
            };
            String[] names = {"conv2d 3x3 F32", "conv2d 1x1 BF16", "groupNorm", "upsampleNearest2x"};
            for (int i = 0; i < 2000; i++) {
                for (Runnable op : ops) op.run(); // warm-up: C2 compiles every kernel
            }
            long[] ids = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t == Thread.currentThread() || t.getName().startsWith("flowscale-cpu-"))
                    .mapToLong(Thread::threadId).toArray();
            StringBuilder report = new StringBuilder();
            long total = 0;
            for (int o = 0; o < ops.length; o++) {
                long before = allocated(ids);
                for (int i = 0; i < 200; i++) ops[o].run();
                long used = allocated(ids) - before;
                total += used;
                report.append(names[o]).append('=').append(used).append(' ');
            }
            assertTrue(total < SLACK_BYTES, "200 calls of each op allocated (bytes): " + report);
        }
    }

    private static MemorySegment weights(Arena arena, Random rnd, int n, WeightType type) {
        MemorySegment s = arena.allocate((long) n * type.bytes());
        float[] v = random(rnd, n);
        for (int i = 0; i < n; i++) {
            if (type == WeightType.F32) s.setAtIndex(ValueLayout.JAVA_FLOAT, i, v[i]);
            else s.setAtIndex(ValueLayout.JAVA_SHORT, i, (short) (Float.floatToRawIntBits(v[i]) >>> 16));
        }
        return s;
    }

    private static long allocated(long[] ids) {
        long sum = 0;
        for (long b : THREADS.getThreadAllocatedBytes(ids)) sum += Math.max(0, b);
        return sum;
    }
}
