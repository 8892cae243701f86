package flowscale.runtime.application;

import flowscale.kernels.Tensor;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DeviceBuffers;
import flowscale.runtime.model.DeviceShards;
import flowscale.runtime.model.VelocityModel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Many searches over one model, {@code concurrent} at a time, whose model calls are shared: each running search
 * sees its own {@link VelocityModel} (with its own NFE count) and stays plain sequential code on its own thread;
 * when every running search has a velocity request pending (or has finished with the model), the calling thread
 * evaluates all of them in common calls of at most {@link VelocityModel#maxBatch()} latents and hands each
 * search its rows. Rewards and the searches' own work run on their threads meanwhile.
 *
 * <p>Every search's result is the one it gets alone: the model's output for a latent does not depend on the
 * other latents of the call (the DiT's contract, tested bit for bit on the shipped model by
 * {@code DiTBatchInvarianceTest}), nothing else is shared, and each search draws its own noise. That fails
 * only for a model spread over devices of different backends ({@code --devices cpu,opencl}), where a latent's
 * device depends on its place in the call.
 *
 * <p>A model with a device path ({@link VelocityModel#device()}) keeps it in shared calls: each running search gets
 * device buffers of its own (reused by the next search that starts, so a long prompts file allocates no more than
 * {@code concurrent} sets), its particles stay there, and a shared call gathers the searches' rows into one device
 * batch and scatters the outputs back, by device copies. Backends' ops are synchronized, so a search's own ops
 * (steps, estimates, noise) interleave with the shared call's. A model spread over several devices
 * ({@link VelocityModel#shards()}) is shared the same way per device: each search holds its shares on the devices (with
 * buffers of its own on each), runs its devices' shares of a call on helper threads so that its requests are pending
 * together, and the calling thread gathers the searches' requests per device and runs every device's call at once.
 *
 * <p>All model calls run on the thread that called {@link #run}, one at a time, as with {@code concurrent = 1},
 * which runs the jobs one after another on that thread, each with the model unshared. If a shared call fails,
 * each request of it is run again alone, so a search gets exactly the failure (or the velocities) it would get
 * alone. A job that throws leaves the sharing: the others go on. Jobs start in order; outcomes are handed to
 * the caller's consumer in job order on the calling thread, so what it prints has a fixed order.
 */
public final class SearchBatch<R> {
    /** The most searches the commands let advance together ({@code --concurrent-searches}): one thread each. */
    public static final int MAX_CONCURRENT = 256;

    /** One search, with whatever belongs to it (writing its outputs, say), run against {@code model}. */
    @FunctionalInterface
    public interface Job<R> {
        /**
         * Runs the search on {@code model}, its own view of the shared model. Calling {@code model.close()} once it
         * needs no more velocities (before writing files, say) lets the other searches go on without waiting for it.
         */
        R run(VelocityModel model) throws Exception;
    }

    /** How job {@code index} ended: its result, or what it threw. */
    public record Outcome<R>(int index, R result, Throwable failure) {
        public boolean ok() {
            return failure == null;
        }
    }

    private final VelocityModel model;
    private final List<? extends Job<R>> jobs;
    private final int concurrent;
    private final BooleanSupplier stop;
    private final Consumer<Outcome<R>> inOrder;
    private final int rowsPerCall;

    private final ReentrantLock lock = new ReentrantLock();
    private final java.util.concurrent.locks.Condition changed = lock.newCondition();
    /** Views of the running searches that may still call the model, by job index. Guarded by the lock. */
    private final List<View> live = new ArrayList<>();
    private final Outcome<R>[] outcomes;
    private int next;
    private int running;
    private int emitted;
    /** Set when the calling thread gives up (a bug in this class): waiting searches fail instead of hanging. */
    private Throwable broken;
    /** Device buffers of searches that have ended, for the next to start. Guarded by the lock. */
    private final ArrayDeque<DeviceBuffers> freeBuffers = new ArrayDeque<>();
    /** The same for a model spread over devices: one set per device. Guarded by the lock. */
    private final ArrayDeque<DeviceBuffers[]> freeShardBuffers = new ArrayDeque<>();
    /** The gathered batch of a shared device call; used by the calling thread only. */
    private DeviceBuffers gathered;
    /** The gathered batches of a shared call on a model spread over devices, one per device; used by the device threads. */
    private DeviceBuffers[] gatheredShards;

    @SuppressWarnings("unchecked")
    private SearchBatch(VelocityModel model, List<? extends Job<R>> jobs, int concurrent, int rowsPerCall,
                        BooleanSupplier stop, Consumer<Outcome<R>> inOrder) {
        this.model = Objects.requireNonNull(model, "model");
        this.jobs = List.copyOf(jobs);
        if (concurrent < 1) throw new IllegalArgumentException("concurrent searches must be >= 1, got " + concurrent);
        this.concurrent = concurrent;
        if (rowsPerCall < 1) throw new IllegalArgumentException("rows per call must be >= 1, got " + rowsPerCall);
        this.rowsPerCall = rowsPerCall;
        this.stop = Objects.requireNonNull(stop, "stop");
        this.inOrder = Objects.requireNonNull(inOrder, "inOrder");
        this.outcomes = (Outcome<R>[]) new Outcome<?>[this.jobs.size()];
    }

    /**
     * Runs {@code jobs} on {@code model}, at most {@code concurrent} at once (1: one after another, as if each ran
     * alone). Once {@code stop} is true (Ctrl-C, or a caller that stops after a failure) no further job starts;
     * the first job always starts, so a run stopped before it began still has one (interrupted) search to show.
     * Running jobs are not stopped here: they watch their own stop request. {@code inOrder} receives every
     * outcome, in job order, on this thread; if it throws, no further job starts and the first such exception is
     * thrown once the running jobs have ended.
     *
     * @return the outcome of every job, null for those never started
     */
    public static <R> List<Outcome<R>> run(VelocityModel model, List<? extends Job<R>> jobs, int concurrent,
                                           BooleanSupplier stop, Consumer<Outcome<R>> inOrder) {
        return run(model, jobs, concurrent, model.maxBatch(), stop, inOrder);
    }

    /**
     * As {@link #run(VelocityModel, List, int, BooleanSupplier, Consumer)}, with calls of at most {@code rowsPerCall}
     * latents: once the pending requests reach that many, they are evaluated without waiting for the other
     * searches, which meanwhile do their own work (rewards, steps); a request larger than it is one call.
     */
    public static <R> List<Outcome<R>> run(VelocityModel model, List<? extends Job<R>> jobs, int concurrent, int rowsPerCall,
                                           BooleanSupplier stop, Consumer<Outcome<R>> inOrder) {
        SearchBatch<R> batch = new SearchBatch<>(model, jobs, concurrent, rowsPerCall, stop, inOrder);
        if (concurrent == 1) batch.oneAtATime();
        else batch.shared();
        return Collections.unmodifiableList(Arrays.asList(batch.outcomes));
    }

    private void oneAtATime() {
        RuntimeException consumerFailure = null;
        for (int i = 0; i < jobs.size(); i++) {
            if (i > 0 && (consumerFailure != null || stop.getAsBoolean())) break;
            View view = new View(i, true);
            Outcome<R> o;
            try {
                o = new Outcome<>(i, jobs.get(i).run(view), null);
            } catch (Throwable t) {
                o = new Outcome<>(i, null, t);
            }
            outcomes[i] = o;
            try {
                inOrder.accept(o);
            } catch (RuntimeException e) {
                consumerFailure = e;
            }
        }
        if (consumerFailure != null) throw consumerFailure;
    }

    /** The calling thread starts jobs, serves their model calls and hands on outcomes until all have ended. */
    private void shared() {
        RuntimeException consumerFailure = null;
        try {
            while (true) {
                List<View> toStart = new ArrayList<>();
                List<Outcome<R>> toEmit = new ArrayList<>();
                List<View> ready = null;
                boolean finished = false;
                lock.lock();
                try {
                    while (true) {
                        while (running < concurrent && next < jobs.size() && !stopped(consumerFailure)) {
                            View v = new View(next++, false);
                            v.buffers = deviceBuffers();
                            v.shardBuffers = shardBuffers();
                            live.add(v);
                            running++;
                            toStart.add(v);
                        }
                        while (emitted < outcomes.length && outcomes[emitted] != null) toEmit.add(outcomes[emitted++]);
                        ready = ready();
                        if (!toStart.isEmpty() || !toEmit.isEmpty() || ready != null) break;
                        if (running == 0 && (next == jobs.size() || stopped(consumerFailure))) {
                            finished = true;
                            break;
                        }
                        changed.awaitUninterruptibly();
                    }
                } finally {
                    lock.unlock();
                }
                for (View v : toStart) {
                    Thread.ofPlatform().name("flowscale-search-" + v.index).daemon(true).start(() -> runJob(v));
                }
                for (Outcome<R> o : toEmit) {
                    try {
                        inOrder.accept(o);
                    } catch (RuntimeException e) {
                        if (consumerFailure == null) consumerFailure = e;
                    }
                }
                if (ready != null) serve(ready);
                if (finished) break;
            }
        } catch (RuntimeException | Error e) {
            abandon(e);
            throw e;
        }
        if (consumerFailure != null) throw consumerFailure;
    }

    /** Device buffers for a search about to start (under the lock): an ended search's, or new; null without a device path. */
    private DeviceBuffers deviceBuffers() {
        DeviceBuffers device = model.device();
        if (device == null) return null;
        DeviceBuffers free = freeBuffers.poll();
        return free != null ? free : new DeviceBuffers(device.backend(), device.dim());
    }

    /** Per-device buffers for a search about to start on a model spread over devices (under the lock); else null. */
    private DeviceBuffers[] shardBuffers() {
        DeviceShards shards = model.shards();
        if (shards == null) return null;
        DeviceBuffers[] free = freeShardBuffers.poll();
        if (free != null) return free;
        DeviceBuffers[] b = new DeviceBuffers[shards.devices()];
        for (int d = 0; d < b.length; d++) {
            DeviceBuffers on = shards.model(d).device();
            b[d] = new DeviceBuffers(on.backend(), on.dim());
        }
        return b;
    }

    /** No further job starts: the first has, and the caller or its consumer asked to stop. */
    private boolean stopped(RuntimeException consumerFailure) {
        return next > 0 && (consumerFailure != null || stop.getAsBoolean());
    }

    /**
     * The pending requests, by job index, when every live search has one or they fill a call; else null. (No call
     * is in flight while this runs: the calling thread makes them.)
     */
    private List<View> ready() {
        List<View> pending = new ArrayList<>(live.size());
        long rows = 0;
        for (View v : live) {
            if (v.request != null && !v.request.done) {
                pending.add(v);
                rows += v.request.n;
            } else if (v.shardExpected > 0 && v.pendingShardRequests() == v.shardExpected) {
                pending.add(v);
                for (Request q : v.shardRequests) rows += q.n;
            }
        }
        if (pending.isEmpty() || (pending.size() < live.size() && rows < rowsPerCall)) return null;
        pending.sort((a, b) -> Integer.compare(a.index, b.index));
        return pending;
    }

    private void runJob(View view) {
        R result = null;
        Throwable failure = null;
        try {
            result = jobs.get(view.index).run(view);
        } catch (Throwable t) {
            failure = t;
        } finally {
            view.close();
            view.stopHelpers();
            lock.lock();
            try {
                outcomes[view.index] = new Outcome<>(view.index, result, failure);
                if (view.buffers != null) freeBuffers.push(view.buffers);
                if (view.shardBuffers != null) freeShardBuffers.push(view.shardBuffers);
                running--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /** Evaluates the pending requests in calls of at most maxBatch latents, then wakes their searches. */
    private void serve(List<View> ready) {
        List<View> spread = new ArrayList<>();
        List<View> plain = new ArrayList<>(ready.size());
        for (View v : ready) (v.request != null ? plain : spread).add(v);
        if (!spread.isEmpty()) shardCall(spread);
        ready = plain;
        int max = rowsPerCall;
        int from = 0;
        while (from < ready.size()) {
            int to = from + 1;
            long rows = ready.get(from).request.n;
            while (to < ready.size() && rows + ready.get(to).request.n <= max) rows += ready.get(to++).request.n;
            call(ready.subList(from, to));
            from = to;
        }
        lock.lock();
        try {
            for (View v : ready) v.request.done = true;
            for (View v : spread) for (Request q : v.shardRequests) q.done = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * One shared call (two when host and device requests are pending together); if it fails, each request alone, so
     * each search gets its own answer.
     */
    private void call(List<View> group) {
        List<View> host = new ArrayList<>(group.size()), device = new ArrayList<>(group.size());
        for (View v : group) (v.request.onDevice() ? device : host).add(v);
        if (!host.isEmpty()) hostCall(host);
        if (!device.isEmpty()) deviceCall(device);
    }

    private void hostCall(List<View> group) {
        if (group.size() == 1) {
            alone(group.getFirst().request);
            return;
        }
        int total = 0;
        boolean anyStep = false;
        for (View v : group) {
            total += v.request.n;
            anyStep |= v.request.d != null;
        }
        float[][] x = new float[total][];
        float[][] out = new float[total][];
        double[] t = new double[total];
        double[] d = anyStep ? new double[total] : null;
        Condition[] cond = new Condition[total];
        int row = 0;
        for (View v : group) {
            Request q = v.request;
            for (int i = 0; i < q.n; i++, row++) {
                x[row] = q.x[i];
                out[row] = q.out[i];
                t[row] = q.t[i];
                if (d != null && q.d != null) d[row] = q.d[i];
                cond[row] = q.cond[i];
            }
        }
        try {
            if (d == null) model.velocity(total, x, t, cond, out);
            else model.velocity(total, x, t, d, cond, out);
        } catch (RuntimeException | Error e) {
            for (View v : group) alone(v.request);
        }
    }

    /** The requests' device rows gathered into one batch on the device, one call, and the outputs scattered back. */
    private void deviceCall(List<View> group) {
        if (gathered == null && group.size() > 1) gathered = new DeviceBuffers(model.device().backend(), model.device().dim());
        gatheredCall(model, gathered, group.stream().map(v -> v.request).toList());
    }

    /**
     * The spread searches' requests, grouped by device: each device gathers its requests' rows into one batch and makes
     * one call, all devices at once on their own threads ({@link DeviceShards#run}); if any device fails, every request
     * is run again alone.
     */
    private void shardCall(List<View> group) {
        DeviceShards shards = model.shards();
        int devices = shards.devices();
        if (gatheredShards == null) {
            gatheredShards = new DeviceBuffers[devices];
            for (int d = 0; d < devices; d++) {
                DeviceBuffers on = shards.model(d).device();
                gatheredShards[d] = new DeviceBuffers(on.backend(), on.dim());
            }
        }
        List<List<Request>> byDevice = new ArrayList<>(devices);
        for (int d = 0; d < devices; d++) byDevice.add(new ArrayList<>());
        boolean[] active = new boolean[devices];
        long latents = 0;
        for (View v : group) {
            for (Request q : v.shardRequests) {
                byDevice.get(q.device).add(q);
                active[q.device] = true;
                latents += q.n;
            }
        }
        try {
            shards.run(active, d -> gatheredCall(shards.model(d), gatheredShards[d], byDevice.get(d)), latents);
        } catch (RuntimeException | Error e) {
            for (List<Request> requests : byDevice) for (Request q : requests) alone(q);
        }
    }

    /**
     * One call of {@code on} for {@code requests} (device rows on its device): gathered into {@code buffers}, evaluated,
     * scattered back; a single request goes straight to the model, and if the call fails each request runs alone.
     */
    private void gatheredCall(VelocityModel on, DeviceBuffers buffers, List<Request> requests) {
        if (requests.size() == 1) {
            alone(requests.getFirst());
            return;
        }
        int total = 0;
        boolean anyStep = false, allConditioned = true;
        for (Request q : requests) {
            total += q.n;
            anyStep |= q.d != null;
            allConditioned &= q.cond != null;
        }
        if (!allConditioned) { // a model that takes no conditions: each alone, as its searches pass them
            for (Request q : requests) alone(q);
            return;
        }
        try {
            var backend = buffers.backend();
            Tensor x = buffers.rows("shared.x", total), out = buffers.rows("shared.out", total);
            double[] t = new double[total];
            double[] d = anyStep ? new double[total] : null;
            Condition[] cond = new Condition[total];
            int row = 0;
            for (Request q : requests) {
                backend.copy(q.deviceX.rowRange(0, q.n), x.rowRange(row, q.n));
                System.arraycopy(q.t, 0, t, row, q.n);
                if (d != null && q.d != null) System.arraycopy(q.d, 0, d, row, q.n);
                System.arraycopy(q.cond, 0, cond, row, q.n);
                row += q.n;
            }
            on.velocity(total, x, t, d, cond, out);
            row = 0;
            for (Request q : requests) {
                backend.copy(out.rowRange(row, q.n), q.deviceOut.rowRange(0, q.n));
                q.failure = null;
                row += q.n;
            }
        } catch (RuntimeException | Error e) {
            for (Request q : requests) alone(q);
        }
    }

    private void alone(Request q) {
        try {
            if (q.device >= 0) model.shards().model(q.device).velocity(q.n, q.deviceX, q.t, q.d, q.cond, q.deviceOut);
            else if (q.onDevice()) model.velocity(q.n, q.deviceX, q.t, q.d, q.cond, q.deviceOut);
            else if (q.d == null) model.velocity(q.n, q.x, q.t, q.cond, q.out);
            else model.velocity(q.n, q.x, q.t, q.d, q.cond, q.out);
            q.failure = null;
        } catch (Throwable e) {
            q.failure = e;
        }
    }

    /** The calling thread failed: searches waiting for a call fail too, and it waits for every job to end. */
    private void abandon(Throwable cause) {
        lock.lock();
        try {
            broken = cause;
            changed.signalAll();
            while (running > 0) changed.awaitUninterruptibly();
        } finally {
            lock.unlock();
        }
    }

    /**
     * One search's pending call; its arrays (or, on the device path, its device rows {@code [n, dim]}) are the
     * search's own, written in place.
     */
    private static final class Request {
        final int n;
        final float[][] x;
        final double[] t;
        final double[] d;
        final Condition[] cond;
        final float[][] out;
        final Tensor deviceX;
        final Tensor deviceOut;
        /** The device of a model spread over several whose rows these are, or -1. */
        int device = -1;
        boolean done;
        Throwable failure;

        Request(int n, float[][] x, double[] t, double[] d, Condition[] cond, float[][] out) {
            this(n, x, t, d, cond, out, null, null);
        }

        Request(int n, Tensor x, double[] t, double[] d, Condition[] cond, Tensor out) {
            this(n, null, t, d, cond, null, x, out);
        }

        private Request(int n, float[][] x, double[] t, double[] d, Condition[] cond, float[][] out, Tensor deviceX,
                        Tensor deviceOut) {
            this.n = n;
            this.x = x;
            this.t = t;
            this.d = d;
            this.cond = cond;
            this.out = out;
            this.deviceX = deviceX;
            this.deviceOut = deviceOut;
        }

        boolean onDevice() {
            return deviceX != null;
        }
    }

    /**
     * A search's view of the model: the model's shape and cost, its own NFE count, and calls that wait for the
     * shared call (or go straight to the model when the jobs run one at a time). Closing it takes the search out
     * of the sharing; it never closes the model.
     */
    private final class View implements VelocityModel {
        final int index;
        final boolean direct;
        /** This search's own device buffers in shared calls (null when direct, or without a device path). */
        DeviceBuffers buffers;
        /** The same per device of a model spread over several (null when direct, or for any other model). */
        DeviceBuffers[] shardBuffers;
        Request request;
        /**
         * A spread search's pending requests, one per device of the call in progress, and how many requests of that call
         * are still to be answered (0 outside one: each active device makes one; a device's counts down when it is
         * answered, or when the device's share ends without one); {@code registered[d]}: device d has made its request.
         * The search is ready to be served when every request still expected is pending. Guarded by the lock.
         */
        final List<Request> shardRequests = new ArrayList<>();
        int shardExpected;
        boolean[] registered = new boolean[0];
        /** Threads that run a spread search's devices' shares at once, so that their requests are pending together. */
        private java.util.concurrent.ExecutorService helpers;
        private DeviceShards sharedShards;
        boolean left;
        private long nfe;

        View(int index, boolean direct) {
            this.index = index;
            this.direct = direct;
        }

        @Override
        public int dim() {
            return model.dim();
        }

        @Override
        public int[] shape() {
            return model.shape();
        }

        @Override
        public boolean takesStepSize() {
            return model.takesStepSize();
        }

        @Override
        public int maxBatch() {
            return model.maxBatch();
        }

        @Override
        public int nfePerLatent() {
            return model.nfePerLatent();
        }

        @Override
        public long nfe() {
            return nfe;
        }

        @Override
        public void resetNfe() {
            nfe = 0;
        }

        @Override
        public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
            submit(n, x, t, null, cond, out);
        }

        @Override
        public void velocity(int n, float[][] x, double[] t, double[] d, Condition[] cond, float[][] out) {
            submit(n, x, t, d, cond, out);
        }

        /**
         * One search at a time calls the model directly and uses the model's own device buffers; in shared calls each
         * search has buffers of its own on the same device, and its device rows are gathered into the shared call.
         */
        @Override
        public DeviceBuffers device() {
            return direct ? model.device() : buffers;
        }

        /**
         * One search at a time may keep its particles on the devices of a model spread over several (the calls it makes
         * there count on this view too); shared calls gather host latents for such a model.
         */
        @Override
        public DeviceShards shards() {
            if (!direct) {
                if (shardBuffers == null) return null;
                if (sharedShards == null) sharedShards = new SharedShards(model.shards());
                return sharedShards;
            }
            DeviceShards inner = model.shards();
            if (inner == null) return null;
            return new DeviceShards() {
                @Override
                public int devices() {
                    return inner.devices();
                }

                @Override
                public VelocityModel model(int d) {
                    return inner.model(d);
                }

                @Override
                public int[] split(int n) {
                    return inner.split(n);
                }

                @Override
                public void run(boolean[] active, java.util.function.IntConsumer work, long latents) {
                    inner.run(active, work, latents);
                    nfe += latents * model.nfePerLatent();
                }
            };
        }

        @Override
        public void velocity(int n, Tensor x, double[] t, double[] d, Condition[] cond, Tensor out) {
            if (direct) {
                model.velocity(n, x, t, d, cond, out);
                nfe += (long) n * model.nfePerLatent();
                return;
            }
            if (buffers == null) { // no device path: through the host, as a model without one
                VelocityModel.super.velocity(n, x, t, d, cond, out);
                return;
            }
            if (n < 0 || n > t.length || (cond != null && n > cond.length) || (d != null && n > d.length)
                    || n > x.rows() || n > out.rows()) {
                throw new IllegalArgumentException("batch of " + n + " with x " + x + ", out " + out + ", t " + t.length
                        + (cond == null ? "" : ", cond " + cond.length) + (d == null ? "" : ", d " + d.length));
            }
            if (n == 0) return;
            await(new Request(n, x, t, d, cond, out));
        }

        private void submit(int n, float[][] x, double[] t, double[] d, Condition[] cond, float[][] out) {
            if (n < 0 || n > x.length || n > t.length || n > cond.length || n > out.length || (d != null && n > d.length)) {
                throw new IllegalArgumentException("batch of " + n + " with arrays of length x " + x.length + ", t "
                        + t.length + ", cond " + cond.length + ", out " + out.length + (d == null ? "" : ", d " + d.length));
            }
            if (direct) {
                if (d == null) model.velocity(n, x, t, cond, out);
                else model.velocity(n, x, t, d, cond, out);
                nfe += (long) n * model.nfePerLatent();
                return;
            }
            if (n == 0) return;
            await(new Request(n, x, t, d, cond, out));
        }

        /** Hands {@code q} to the shared calls and waits for its answer (a device's share counts no NFE here: see run). */
        private void await(Request q) {
            int n = q.n;
            lock.lock();
            try {
                if (left) throw new IllegalStateException("search " + index + " called the model after leaving the shared calls");
                if (q.device >= 0) {
                    if (registered[q.device]) shardExpected++; // a further request of a device whose last was answered
                    registered[q.device] = true;
                    shardRequests.add(q);
                } else {
                    request = q;
                }
                changed.signalAll();
                while (!q.done && broken == null) changed.awaitUninterruptibly();
                if (q.device >= 0) {
                    shardRequests.remove(q);
                    shardExpected--;
                } else {
                    request = null;
                }
                if (!q.done) throw new IllegalStateException("the shared model calls stopped: " + broken, broken);
            } finally {
                lock.unlock();
            }
            if (q.failure instanceof RuntimeException e) throw e;
            if (q.failure instanceof Error e) throw e;
            if (q.failure != null) throw new IllegalStateException(q.failure);
            if (q.device < 0) nfe += (long) n * model.nfePerLatent();
        }

        /** Requests of this spread search not yet answered (under the lock). */
        int pendingShardRequests() {
            int n = 0;
            for (Request q : shardRequests) if (!q.done) n++;
            return n;
        }

        void stopHelpers() {
            if (helpers != null) helpers.shutdownNow();
        }

        /**
         * A spread search's devices in shared calls: each device's share of a call runs on a helper thread of this search,
         * so that every device's request is pending at once, and the calling thread serves them grouped by device.
         */
        private final class SharedShards implements DeviceShards {
            private final DeviceShards inner;
            private final List<ShardView> views = new ArrayList<>();

            SharedShards(DeviceShards inner) {
                this.inner = inner;
                for (int d = 0; d < inner.devices(); d++) views.add(new ShardView(d, inner.model(d)));
            }

            @Override
            public int devices() {
                return views.size();
            }

            @Override
            public VelocityModel model(int d) {
                return views.get(d);
            }

            @Override
            public int[] split(int n) {
                return inner.split(n);
            }

            @Override
            public void run(boolean[] active, java.util.function.IntConsumer work, long latents) {
                int devices = views.size();
                if (active.length != devices) throw new IllegalArgumentException(active.length + " flags for " + devices + " devices");
                int count = 0;
                for (boolean a : active) if (a) count++;
                if (helpers == null) {
                    helpers = java.util.concurrent.Executors.newFixedThreadPool(devices, task -> {
                        Thread t = new Thread(task, "flowscale-search-" + index + "-device");
                        t.setDaemon(true);
                        return t;
                    });
                }
                lock.lock();
                try {
                    registered = new boolean[devices];
                    shardExpected = count;
                } finally {
                    lock.unlock();
                }
                List<java.util.concurrent.Future<?>> running = new ArrayList<>();
                for (int d = 0; d < devices; d++) {
                    if (!active[d]) continue;
                    int device = d;
                    running.add(helpers.submit(() -> {
                        try {
                            work.accept(device);
                        } finally {
                            lock.lock();
                            try {
                                if (!registered[device]) { // ended without a request: the others must not wait for it
                                    shardExpected--;
                                    changed.signalAll();
                                }
                            } finally {
                                lock.unlock();
                            }
                        }
                    }));
                }
                Throwable failure = null;
                for (java.util.concurrent.Future<?> f : running) {
                    try {
                        f.get();
                    } catch (java.util.concurrent.ExecutionException e) {
                        if (failure == null) failure = e.getCause();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        if (failure == null) failure = e;
                    }
                }
                lock.lock();
                try {
                    shardExpected = 0;
                } finally {
                    lock.unlock();
                }
                if (failure instanceof RuntimeException e) throw e;
                if (failure instanceof Error e) throw e;
                if (failure != null) throw new IllegalStateException(failure);
                nfe += latents * model.nfePerLatent();
            }
        }

        /** One device of a spread model as one search sees it in shared calls: its own buffers there, calls that wait. */
        private final class ShardView implements VelocityModel {
            private final int device;
            private final VelocityModel on;

            ShardView(int device, VelocityModel on) {
                this.device = device;
                this.on = on;
            }

            @Override public int dim() { return on.dim(); }
            @Override public int[] shape() { return on.shape(); }
            @Override public boolean takesStepSize() { return on.takesStepSize(); }
            @Override public int maxBatch() { return on.maxBatch(); }
            @Override public int nfePerLatent() { return on.nfePerLatent(); }
            @Override public long nfe() { return 0; }
            @Override public void resetNfe() {}
            @Override public DeviceBuffers device() { return shardBuffers[device]; }

            @Override
            public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
                throw new UnsupportedOperationException("a device's share in shared calls takes device rows");
            }

            @Override
            public void velocity(int n, Tensor x, double[] t, double[] d, Condition[] cond, Tensor out) {
                if (n < 0 || n > t.length || (cond != null && n > cond.length) || (d != null && n > d.length)
                        || n > x.rows() || n > out.rows()) {
                    throw new IllegalArgumentException("batch of " + n + " with x " + x + ", out " + out + ", t " + t.length);
                }
                if (n == 0) return;
                Request q = new Request(n, x, t, d, cond, out);
                q.device = device;
                await(q);
            }
        }

        /** Leaves the shared calls (the model stays open). */
        @Override
        public void close() {
            if (direct) return;
            lock.lock();
            try {
                if (!left) {
                    left = true;
                    live.remove(this);
                    changed.signalAll();
                }
            } finally {
                lock.unlock();
            }
        }
    }
}
