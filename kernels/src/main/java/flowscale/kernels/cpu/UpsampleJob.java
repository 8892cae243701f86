package flowscale.kernels.cpu;

import java.lang.foreign.MemorySegment;

/**
 * Nearest 2x upsampling of NCHW planes: work items are input rows (plane, y); each becomes two equal
 * output rows of doubled pixels. Pure data movement, so it is written for clarity: one scalar pass
 * builds the first output row, a bulk copy makes the second.
 */
final class UpsampleJob implements WorkerPool.Job {
    MemorySegment xSeg, oSeg;
    long xBase, oBase; // elements
    long planes;
    int h, w;

    int chunksFor(int threads) {
        long elements = planes * h * w * 4;
        return (int) Math.max(1, Math.min(Math.min(threads, planes * h), elements / (1 << 15)));
    }

    @Override
    public void run(int chunk, int chunks) {
        long rows = planes * h;
        long lo = rows * chunk / chunks, hi = rows * (chunk + 1) / chunks;
        long outW = 2L * w;
        for (long r = lo; r < hi; r++) {
            long p = r / h, y = r % h;
            long in = (xBase + r * w) * Float.BYTES;
            long out = (oBase + (p * 2 * h + 2 * y) * outW) * Float.BYTES;
            for (int x = 0; x < w; x++) {
                float v = xSeg.get(Simd.FLOAT, in + (long) x * Float.BYTES);
                oSeg.set(Simd.FLOAT, out + 2L * x * Float.BYTES, v);
                oSeg.set(Simd.FLOAT, out + (2L * x + 1) * Float.BYTES, v);
            }
            MemorySegment.copy(oSeg, out, oSeg, out + outW * Float.BYTES, outW * Float.BYTES);
        }
    }
}
