package flowscale.kernels.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of daemon workers that run one {@link Job} at a time, split into at most one contiguous
 * chunk per thread. No queue and no work stealing: each op decides its chunking so that every chunk is
 * large, and the pool only wakes the workers it needs.
 *
 * <p>Chunks are claimed, not assigned: the caller publishes the job, wakes the workers it needs, and then
 * claims and runs chunks itself like any worker, until none is left; it then waits only for the chunks
 * that a worker has claimed and not yet finished. A worker that is slow to wake (parked, or descheduled on
 * a loaded machine) therefore never holds the caller up: the caller runs that chunk itself and moves on,
 * and the late worker finds nothing left to claim. Which thread runs a chunk never changes a result: a
 * chunk's work and scratch depend only on its index.
 *
 * <p>The claim counter packs the job's sequence number (high 32 bits), its chunk count (16 bits) and the next
 * unclaimed chunk (low 16 bits), so a claim that races with the publication of the next job fails its
 * compare-and-set instead of running a chunk of the wrong job. The chunk count must travel in the counter
 * too: the next job's fields are written before its sequence is published, so a late worker that compared
 * the old job's exhausted counter against the new job's larger chunk count would claim a chunk that does
 * not exist in the old job and run it in the new one, where it would then run a second time. Idle workers spin briefly on the counter (ops on the forward path
 * follow each other within microseconds) and then park; they are unparked only when parked. Completion is
 * an atomic count of finished chunks; the thread that finishes the last one unparks the caller if it
 * parked. Nothing is allocated per call: jobs are pre-allocated, mutable objects owned by the backend.
 */
final class WorkerPool implements AutoCloseable {

    /** Work that runs as {@code chunks} independent pieces; {@code chunk} is in {@code [0, chunks)}. */
    interface Job {
        void run(int chunk, int chunks);
    }

    /** Chunk counts and indices take 16 bits each in {@link #claims}. */
    static final int MAX_THREADS = 0xFFFF;

    /** Spin iterations before a waiting thread parks (a few microseconds). */
    private static final int SPINS = 1 << 12;

    private final Worker[] workers;
    /** {@code (sequence << 32) | (chunks << 16) | next unclaimed chunk} of the current job. */
    private final AtomicLong claims = new AtomicLong();
    private final AtomicInteger finished = new AtomicInteger();
    /** The current job and its chunk count, written before its sequence number is published in {@link #claims}. */
    private volatile Job job;
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile boolean callerParked;
    private volatile Throwable failure;

    /** A pool for {@code threads} threads in total: the caller plus {@code threads - 1} workers. */
    WorkerPool(int threads, String namePrefix) {
        if (threads < 1 || threads > MAX_THREADS) {
            throw new IllegalArgumentException("threads must be in [1, " + MAX_THREADS + "], got " + threads);
        }
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker();
            workers[i].setName(namePrefix + (i + 1));
            workers[i].setDaemon(true);
            workers[i].start();
        }
    }

    int threads() {
        return workers.length + 1;
    }

    /**
     * Runs {@code job} as {@code min(chunks, threads())} chunks and returns when all are done. Rethrows
     * the first failure of any chunk (wrapped when it is a checked throwable).
     */
    synchronized void run(Job job, int chunks) {
        if (closed) throw new IllegalStateException("the cpu backend is closed");
        int n = Math.max(1, Math.min(chunks, threads()));
        if (n == 1) {
            job.run(0, 1);
            return;
        }
        this.failure = null;
        this.caller = Thread.currentThread();
        this.job = job;
        finished.set(0);
        long sequence = (claims.get() >>> 32) + 1;
        claims.set(sequence << 32 | (long) n << 16); // publishes job, finished and caller
        for (int i = 0; i < n - 1; i++) {
            Worker w = workers[i];
            if (w.parked) LockSupport.unpark(w);
        }
        claimAndRun(sequence);
        int spins = 0;
        while (finished.get() != n) {
            if (spins < SPINS) {
                spins++;
                Thread.onSpinWait();
            } else {
                callerParked = true;
                if (finished.get() != n) LockSupport.park(this);
                callerParked = false;
            }
        }
        this.job = null;
        Throwable t = failure;
        if (t != null) {
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException(t);
        }
    }

    /** Claims and runs chunks of job {@code sequence} until none is left or a newer job has been published. */
    private void claimAndRun(long sequence) {
        while (true) {
            long c = claims.get();
            if (c >>> 32 != sequence) return;
            int next = (int) (c & 0xFFFF);
            int n = (int) (c >>> 16 & 0xFFFF);
            if (next >= n) return;
            Job j = job;
            // a successful claim of an unclaimed chunk means job `sequence` was not finished, so the caller has
            // not yet replaced the job read above
            if (!claims.compareAndSet(c, c + 1)) continue;
            try {
                j.run(next, n);
            } catch (Throwable t) {
                if (failure == null) failure = t;
            }
            if (finished.incrementAndGet() == n && callerParked) LockSupport.unpark(caller);
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) LockSupport.unpark(w);
        for (Worker w : workers) {
            try {
                w.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private final class Worker extends Thread {
        private volatile boolean parked;

        @Override
        public void run() {
            long seen = 0; // a job published before this worker started has sequence >= 1, so it is not missed
            while (true) {
                int spins = 0;
                long s;
                while ((s = claims.get() >>> 32) == seen) {
                    if (closed) return;
                    if (spins < SPINS) {
                        spins++;
                        Thread.onSpinWait();
                    } else {
                        parked = true; // then re-check: the caller publishes first and reads this flag after
                        if (claims.get() >>> 32 == seen && !closed) LockSupport.park(this);
                        parked = false;
                    }
                }
                seen = s;
                claimAndRun(s);
            }
        }
    }
}
