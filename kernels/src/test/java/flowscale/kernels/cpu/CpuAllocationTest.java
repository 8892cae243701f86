package flowscale.kernels.cpu;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.Random;

import static flowscale.kernels.cpu.TestData.random;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hot ops allocate nothing in steady state: after a warm-up (which sizes the scratch and lets C2
 * compile and scalar-replace the vector objects), the bytes allocated by the caller and the pool's
 * workers over many calls stay under a small constant, not proportional to sizes or call count.
 */
class CpuAllocationTest {
    private static final long SLACK_BYTES = 16 * 1024;
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void hotOpsDoNotAllocateInSteadyState() {
        try (CpuBackend be = new CpuBackend(2)) {
            Random rnd = new Random(9);
            int items = 4, seq = 64, d = 128, heads = 4, rows = items * seq;
            Tensor x = be.upload(random(rnd, rows * d), rows, d);
            PackedWeight w = be.pack(be.upload(random(rnd, 3 * d * d), 3 * d, d));
            Tensor bias = be.upload(random(rnd, 3 * d), 3 * d);
            Tensor qkv = be.allocate(rows, 3 * d);
            Tensor att = be.allocate(rows, d);
            Tensor norm = be.allocate(rows, d);
            Tensor gamma = be.upload(random(rnd, d), d), beta = be.upload(random(rnd, d), d);
            Tensor f = be.upload(random(rnd, rows * d), rows, d), z = be.upload(random(rnd, rows * d), rows, d);
            Tensor out = be.allocate(rows, d);
            Tensor q = qkv.colRange(0, d), k = qkv.colRange(d, d), v = qkv.colRange(2 * d, d);
            // odd shapes too, so masked tails are as hot as full vectors (as after a varied test run)
            Tensor xOdd = be.upload(random(rnd, 70 * 33), 70, 33), outOdd = be.allocate(70, 50);
            PackedWeight wOdd = be.pack(be.upload(random(rnd, 50 * 33), 50, 33));
            Tensor rowsOdd = be.upload(random(rnd, 9 * 100), 9, 100), normOdd = be.allocate(9, 100);
            Tensor qkvOdd = be.upload(random(rnd, 2 * 37 * 3 * 60), 2 * 37, 3 * 60), attOdd = be.allocate(2 * 37, 60);
            Tensor qOdd = qkvOdd.colRange(0, 60), kOdd = qkvOdd.colRange(60, 60), vOdd = qkvOdd.colRange(120, 60);

            Runnable[] ops = {
                () -> be.linear(x, w, bias, qkv),
                () -> be.attention(q, k, v, items, seq, heads, 0.125f, att),
                () -> be.layerNorm(att, gamma, beta, 1e-6f, norm),
                () -> be.sdeUpdate(x, f, 0.02f, 0.1f, z, out),
                () -> be.linear(xOdd, wOdd, null, outOdd),
                () -> be.attention(qOdd, kOdd, vOdd, 2, 37, 3, 0.2f, attOdd),
                () -> be.layerNorm(rowsOdd, null, null, 1e-6f, normOdd),
                () -> be.sdeUpdate(rowsOdd, rowsOdd, 0.02f, 0.1f, normOdd, normOdd),
            };
            String[] names = {"linear", "attention", "layerNorm", "sdeUpdate", "linear(tails)", "attention(tails)",
                "layerNorm(tails)", "sdeUpdate(tails)"};
            for (int i = 0; i < 3000; i++) {
                for (Runnable op : ops) op.run(); // warm-up: C2 compiles every kernel
            }
            long[] ids = poolThreadIds();
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

    private static long[] poolThreadIds() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t == Thread.currentThread() || t.getName().startsWith("flowscale-cpu-"))
                .mapToLong(Thread::threadId).toArray();
    }

    private static long allocated(long[] ids) {
        long sum = 0;
        for (long b : THREADS.getThreadAllocatedBytes(ids)) sum += Math.max(0, b);
        return sum;
    }
}
