package flowscale.kernels.cpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Every chunk runs exactly once per call (whichever thread claims it), failures reach the caller, and fresh pools never miss a job. */
class WorkerPoolTest {
    @Test
    void runsEachChunkOnce() {
        try (WorkerPool pool = new WorkerPool(3, "test-pool-")) {
            for (int chunks = 1; chunks <= 5; chunks++) {
                AtomicIntegerArray seen = new AtomicIntegerArray(3);
                int[] reported = new int[3];
                pool.run((c, n) -> {
                    seen.incrementAndGet(c);
                    reported[c] = n;
                }, chunks);
                int expectedChunks = Math.min(chunks, 3);
                for (int c = 0; c < 3; c++) {
                    assertEquals(c < expectedChunks ? 1 : 0, seen.get(c), "chunk " + c + " of " + chunks);
                    if (c < expectedChunks) assertEquals(expectedChunks, reported[c]);
                }
            }
        }
    }

    @Test
    void aJobPublishedRightAfterStartIsNotMissed() {
        for (int i = 0; i < 50; i++) {
            try (WorkerPool pool = new WorkerPool(2, "test-pool-")) {
                AtomicIntegerArray seen = new AtomicIntegerArray(2);
                pool.run((c, n) -> seen.incrementAndGet(c), 2);
                assertEquals(1, seen.get(1));
            }
        }
    }

    /**
     * Jobs back to back, as the forward pass issues them: a worker that wakes late for one job must claim
     * chunks of the job then current or none, never run a chunk twice or one of a finished job (the chunk counts
     * alternate 2, 3: a late worker once claimed the third chunk of a 3-chunk job under the 2-chunk job's counter).
     */
    @Test
    @Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // the old race could also hang the caller
    void lateWorkersNeverRunAChunkTwice() {
        try (WorkerPool pool = new WorkerPool(3, "test-pool-")) {
            for (int job = 0; job < 200_000; job++) {
                int chunks = 2 + job % 2;
                AtomicIntegerArray seen = new AtomicIntegerArray(3);
                int id = job;
                int[] ran = new int[3];
                pool.run((c, n) -> {
                    seen.incrementAndGet(c);
                    ran[c] = id;
                }, chunks);
                for (int c = 0; c < 3; c++) {
                    assertEquals(c < chunks ? 1 : 0, seen.get(c), "job " + job + " chunk " + c);
                    if (c < chunks) assertEquals(id, ran[c]);
                }
            }
        }
    }

    @Test
    void workerFailureReachesTheCaller() {
        try (WorkerPool pool = new WorkerPool(2, "test-pool-")) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.run((c, n) -> {
                if (c == 1) throw new IllegalStateException("chunk 1 failed");
            }, 2));
            assertEquals("chunk 1 failed", e.getMessage());
            AtomicIntegerArray seen = new AtomicIntegerArray(2);
            pool.run((c, n) -> seen.incrementAndGet(c), 2); // still usable afterwards
            assertEquals(1, seen.get(1));
        }
    }
}
