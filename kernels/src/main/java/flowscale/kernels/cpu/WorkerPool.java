package flowscale.kernels.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of daemon workers that run one {@link Job} at a time, split into at most one contiguous
 * chunk per thread; the calling thread runs chunk 0 itself. No queue and no work stealing: each op
 * decides its chunking so that every chunk is large, and the pool only wakes the workers it needs.
 *
 * <p>Hand-off is a per-worker volatile generation counter: the caller writes the job and chunk count into
 * the slot of each worker it needs, bumps that worker's generation and unparks it (only idle workers are
 * ever written to, so a slow worker never sees a half-published job); each worker spins briefly on its counter (ops on the
 * forward path follow each other within microseconds) and then parks, so idle workers cost nothing on a
 * shared machine. Completion is an atomic countdown; the last worker unparks the caller. Nothing is
 * allocated per call: jobs are pre-allocated, mutable objects owned by the backend.
 */
final class WorkerPool implements AutoCloseable {

    /** Work that runs as {@code chunks} independent pieces; {@code chunk} is in {@code [0, chunks)}. */
    interface Job {
        void run(int chunk, int chunks);
    }

    /** Spin iterations before a waiting thread parks (a few microseconds). */
    private static final int SPINS = 1 << 12;

    private final Worker[] workers;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean closed;
    private volatile Thread caller;
    private volatile Throwable failure;

    /** A pool for {@code threads} threads in total: the caller plus {@code threads - 1} workers. */
    WorkerPool(int threads, String namePrefix) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
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
        pending.set(n - 1);
        for (int i = 0; i < n - 1; i++) {
            Worker w = workers[i];
            w.job = job;
            w.chunks = n;
            w.generation = w.generation + 1; // volatile write publishes job, chunks, pending, caller
            LockSupport.unpark(w);
        }
        Throwable own = null;
        try {
            job.run(0, n);
        } catch (Throwable t) {
            own = t;
        }
        int spins = 0;
        while (pending.get() != 0) {
            if (spins < SPINS) {
                spins++;
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        for (int i = 0; i < n - 1; i++) workers[i].job = null;
        Throwable t = own != null ? own : failure;
        if (t != null) {
            if (t instanceof RuntimeException re) throw re;
            if (t instanceof Error e) throw e;
            throw new IllegalStateException(t);
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
        private final int index;
        private Job job;
        private int chunks;
        private volatile int generation;

        Worker(int index) {
            this.index = index;
        }

        @Override
        public void run() {
            int seen = 0; // the generation a new worker starts from; never read it here, a job may already be published
            while (true) {
                int spins = 0;
                int g;
                while ((g = generation) == seen) {
                    if (closed) return;
                    if (spins < SPINS) {
                        spins++;
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                seen = g;
                int n = chunks;
                try {
                    job.run(index, n);
                } catch (Throwable t) {
                    failure = t;
                }
                if (pending.decrementAndGet() == 0) LockSupport.unpark(caller);
            }
        }
    }
}
