package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One model per device (a DiT, or any backend-bound {@link VelocityModel} such as FLUX.1's, through {@link #open}),
 * each with its own copy of the weights on its own backend, seen by the search as one {@link VelocityModel}. A batch is split into contiguous particle ranges in proportion to the devices'
 * weights ({@link #split}); the ranges run concurrently, one Java thread per device, and each device writes
 * straight into the caller's output rows, so the result is gathered in particle order by construction.
 *
 * <p>Because a DiT's (and FLUX's) output for an item depends only on that item (see {@link DiT}), splitting changes no
 * bits on identical backends; devices of different kinds agree to their kernels' tolerances. NFE are
 * counted here, once per latent (the per-device DiTs count their own share as well, which nothing reads).
 * Guidance is applied by each DiT on its own items. Not thread-safe, like {@link DiT}.
 */
public final class MultiDeviceModel implements VelocityModel {
    private final Device[] devices;
    private final double[] cumulativeWeight;
    /** Range boundaries of the current call, reused: device d gets {@code [bounds[d], bounds[d+1])}. */
    private final int[] bounds;
    private final Future<?>[] running;
    private final int dim;
    private final int nfePerLatent;
    private long nfe;
    private boolean closed;

    private MultiDeviceModel(List<Device> devices) {
        if (devices.isEmpty()) throw new IllegalArgumentException("a multi-device model needs at least one device");
        this.devices = devices.toArray(Device[]::new);
        this.cumulativeWeight = new double[this.devices.length + 1];
        for (int d = 0; d < this.devices.length; d++) {
            cumulativeWeight[d + 1] = cumulativeWeight[d] + this.devices[d].weight;
        }
        this.bounds = new int[this.devices.length + 1];
        this.running = new Future<?>[this.devices.length];
        VelocityModel first = this.devices[0].model;
        this.dim = first.dim();
        this.nfePerLatent = first.nfePerLatent();
        for (Device d : this.devices) {
            if (d.model.dim() != dim || d.model.nfePerLatent() != nfePerLatent || d.model.getClass() != first.getClass()
                    || !Arrays.equals(d.model.shape(), first.shape()) || d.model.takesStepSize() != first.takesStepSize()
                    || (d.model instanceof DiT dit && !dit.config().equals(((DiT) first).config()))) {
                throw new IllegalArgumentException("device " + d.spec + " holds a different model than " + this.devices[0].spec);
            }
        }
    }

    /** Loads {@code checkpoint} onto a new backend for every device. Closes whatever it opened if any step fails. */
    public static MultiDeviceModel load(Path checkpoint, List<DeviceSpec> devices, double guidanceScale, int maxBatchRows) {
        return open(devices, backend -> DiT.load(checkpoint, backend, guidanceScale, maxBatchRows));
    }

    /** Binds in-memory weights (checkpoint key to row-major floats) onto a new backend for every device. */
    public static MultiDeviceModel fromWeights(DiTConfig config, Map<String, float[]> tensors, List<DeviceSpec> devices,
                                               double guidanceScale, int maxBatchRows) {
        return open(devices, backend -> DiT.fromWeights(config, tensors, backend, guidanceScale, maxBatchRows));
    }

    /**
     * Creates each device's backend and, with {@code loader}, its model, in order: the same model on every device
     * (same class, shape and NFE per latent; for a DiT the same configuration). A backend spec that cannot be created
     * fails with an {@link IllegalArgumentException} naming the device; any failure closes the devices already opened.
     * Closing this model closes each device's model, then its backend.
     */
    public static MultiDeviceModel open(List<DeviceSpec> specs, Function<Backend, ? extends VelocityModel> loader) {
        if (specs.isEmpty()) throw new IllegalArgumentException("no devices given");
        List<Device> opened = new ArrayList<>();
        try {
            for (int i = 0; i < specs.size(); i++) {
                DeviceSpec spec = specs.get(i);
                Backend backend;
                try {
                    backend = Backends.create(spec.backend());
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("device " + (i + 1) + " of " + specs.size() + ": " + e.getMessage(), e);
                }
                VelocityModel model;
                try {
                    model = loader.apply(backend);
                } catch (RuntimeException | Error e) {
                    backend.close();
                    throw e;
                }
                opened.add(new Device(i, spec, backend, model));
            }
            return new MultiDeviceModel(opened);
        } catch (RuntimeException | Error e) {
            for (Device d : opened) d.closeQuietly(e);
            throw e;
        }
    }

    /** Number of devices. */
    public int devices() {
        return devices.length;
    }

    /** The devices' specs, in particle order. */
    public List<DeviceSpec> deviceSpecs() {
        return Arrays.stream(devices).map(d -> d.spec).toList();
    }

    /** The DiT on device {@code d} (for inspection; calling it directly bypasses this model's NFE count). */
    public DiT model(int d) {
        return dit(d);
    }

    /** The model on device {@code d}, whatever its kind (calling it directly bypasses this model's NFE count). */
    public VelocityModel deviceModel(int d) {
        return devices[d].model;
    }

    /** The DiT configuration; only for DiTs. */
    public DiTConfig config() {
        return dit(0).config();
    }

    /** The DiT guidance scale; only for DiTs. */
    public double guidanceScale() {
        return dit(0).guidanceScale();
    }

    private DiT dit(int d) {
        if (devices[d].model instanceof DiT dit) return dit;
        throw new IllegalStateException("device " + (d + 1) + " holds a " + devices[d].model.getClass().getSimpleName() + ", not a DiT");
    }

    /**
     * Range boundaries for a batch of {@code n}: device {@code d} gets particles {@code [b[d], b[d+1])}, with
     * {@code b[0] = 0}, {@code b[devices] = n} and {@code b[d] = round(n * (w_0 + ... + w_{d-1}) / sum w)}. The
     * boundaries rise monotonically, so the ranges are contiguous, disjoint and cover the batch; each device's
     * count is within one of its exact share.
     */
    public int[] split(int n) {
        int[] b = new int[devices.length + 1];
        splitInto(n, b);
        return b;
    }

    private void splitInto(int n, int[] b) {
        double total = cumulativeWeight[devices.length];
        b[0] = 0;
        for (int d = 1; d < devices.length; d++) {
            b[d] = (int) Math.min(n, Math.round(n * (cumulativeWeight[d] / total)));
        }
        b[devices.length] = n;
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int[] shape() {
        return devices[0].model.shape();
    }

    @Override
    public int nfePerLatent() {
        return nfePerLatent;
    }

    /** Every device's single pass together (a batch is shared in proportion to the weights, so this is approximate). */
    @Override
    public int maxBatch() {
        long sum = 0;
        for (Device d : devices) sum += d.model.maxBatch();
        return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    @Override
    public long nfe() {
        return nfe;
    }

    /**
     * The devices, when every device's model has a device path, so that a search keeps each device's share of its
     * particles on it ({@link #split} decides the shares, as for {@link #velocity}); null otherwise.
     */
    @Override
    public DeviceShards shards() {
        for (Device d : devices) if (d.model.device() == null) return null;
        return shards;
    }

    private final DeviceShards shards = new DeviceShards() {
        @Override
        public int devices() {
            return devices.length;
        }

        @Override
        public VelocityModel model(int d) {
            return devices[d].model;
        }

        @Override
        public int[] split(int n) {
            return MultiDeviceModel.this.split(n);
        }

        @Override
        public void run(boolean[] active, java.util.function.IntConsumer work, long latents) {
            if (closed) throw new IllegalStateException("the multi-device model is closed");
            if (active.length != devices.length) {
                throw new IllegalArgumentException(active.length + " flags for " + devices.length + " devices");
            }
            for (int d = 0; d < devices.length; d++) {
                int device = d;
                running[d] = active[d] ? devices[d].thread.submit(() -> work.accept(device)) : null;
            }
            List<Throwable> failures = new ArrayList<>();
            List<String> where = new ArrayList<>();
            boolean interrupted = false;
            for (int d = 0; d < devices.length; d++) {
                if (running[d] == null) continue;
                while (true) {
                    try {
                        running[d].get();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true; // keep waiting: the device is still working on the search's tensors
                    } catch (ExecutionException e) {
                        failures.add(e.getCause());
                        where.add(devices[d].describe(e.getCause()));
                        break;
                    }
                }
                running[d] = null;
            }
            if (interrupted) Thread.currentThread().interrupt();
            if (!failures.isEmpty()) throw combined(failures, where);
            nfe += latents * nfePerLatent;
        }
    };

    @Override
    public void resetNfe() {
        nfe = 0;
    }

    /**
     * Runs each device's range on its own thread and returns when all have finished. If any device fails, the
     * others still finish (nothing writes into {@code out} after this returns) and one exception is thrown
     * naming every failed device and its range: an {@link IllegalArgumentException} if every failure was one
     * (bad input), otherwise an {@link IllegalStateException}; the devices' own exceptions are its cause and
     * suppressed exceptions. A failed call counts no NFE.
     */
    @Override
    public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
        velocity(n, x, t, null, cond, out);
    }

    /** Every device holds the same checkpoint, so all or none take a step size. */
    @Override
    public boolean takesStepSize() {
        return devices[0].model.takesStepSize();
    }

    @Override
    public void velocity(int n, float[][] x, double[] t, double[] stepSizes, Condition[] cond, float[][] out) {
        if (closed) throw new IllegalStateException("the multi-device model is closed");
        if (n < 0 || n > x.length || n > t.length || n > cond.length || n > out.length) {
            throw new IllegalArgumentException("batch of " + n + " with arrays of length x " + x.length + ", t " + t.length
                    + ", cond " + cond.length + ", out " + out.length);
        }
        if (stepSizes != null && stepSizes.length < n) {
            throw new IllegalArgumentException("batch of " + n + " with " + stepSizes.length + " step sizes");
        }
        splitInto(n, bounds);
        for (int d = 0; d < devices.length; d++) {
            int from = bounds[d], count = bounds[d + 1] - from;
            running[d] = count == 0 ? null : devices[d].submit(from, count, x, t, stepSizes, cond, out);
        }
        List<Throwable> failures = new ArrayList<>();
        List<String> where = new ArrayList<>();
        boolean interrupted = false;
        for (int d = 0; d < devices.length; d++) {
            if (running[d] == null) continue;
            while (true) {
                try {
                    running[d].get();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // keep waiting: the device is still writing into out
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                    where.add(devices[d].describe(bounds[d], bounds[d + 1], e.getCause()));
                    break;
                }
            }
            running[d] = null;
            devices[d].release();
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (!failures.isEmpty()) throw combined(failures, where);
        nfe += (long) n * nfePerLatent;
    }

    private static RuntimeException combined(List<Throwable> failures, List<String> where) {
        String message = (failures.size() == 1 ? "" : failures.size() + " devices failed: ") + String.join("; ", where);
        boolean badInput = failures.stream().allMatch(f -> f instanceof IllegalArgumentException);
        RuntimeException e = badInput ? new IllegalArgumentException(message, failures.getFirst())
                : new IllegalStateException(message, failures.getFirst());
        for (Throwable f : failures.subList(1, failures.size())) e.addSuppressed(f);
        return e;
    }

    /** Stops the device threads, then closes every model and backend; the first failure is rethrown after all. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        for (Device d : devices) {
            try {
                d.close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        return "devices " + deviceSpecs();
    }

    /**
     * One device: its backend, its model, its thread, and the range of the call in flight. The range is copied
     * into arrays owned by the device (grown to the largest range seen) because a model takes its items from
     * index 0; the arrays hold references to the caller's rows only during a call.
     */
    private static final class Device {
        final int index;
        final DeviceSpec spec;
        final double weight;
        final Backend backend;
        final VelocityModel model;
        final ExecutorService thread;
        float[][] x = new float[0][];
        double[] t = new double[0];
        /** The call's step sizes, or null for none (d = 0). */
        double[] d = new double[0];
        boolean withStepSizes;
        Condition[] cond = new Condition[0];
        float[][] out = new float[0][];
        int count;

        Device(int index, DeviceSpec spec, Backend backend, VelocityModel model) {
            this.index = index;
            this.spec = spec;
            this.weight = spec.weight();
            this.backend = backend;
            this.model = model;
            this.thread = Executors.newSingleThreadExecutor(task -> {
                Thread th = new Thread(task, "flowscale-device-" + index + "-" + spec.backend());
                th.setDaemon(true);
                return th;
            });
        }

        Future<?> submit(int from, int count, float[][] xs, double[] ts, double[] ds, Condition[] cs, float[][] outs) {
            if (x.length < count) {
                x = new float[count][];
                t = new double[count];
                d = new double[count];
                cond = new Condition[count];
                out = new float[count][];
            }
            System.arraycopy(xs, from, x, 0, count);
            System.arraycopy(ts, from, t, 0, count);
            withStepSizes = ds != null;
            if (withStepSizes) System.arraycopy(ds, from, d, 0, count);
            System.arraycopy(cs, from, cond, 0, count);
            System.arraycopy(outs, from, out, 0, count);
            this.count = count;
            return thread.submit(this::run);
        }

        private void run() {
            model.velocity(count, x, t, withStepSizes ? d : null, cond, out);
        }

        /** Drops the references to the caller's rows once the call is over. */
        void release() {
            Arrays.fill(x, 0, count, null);
            Arrays.fill(cond, 0, count, null);
            Arrays.fill(out, 0, count, null);
            count = 0;
        }

        String describe(int from, int to, Throwable failure) {
            return "device " + (index + 1) + " (" + spec.backend() + ") failed on particles [" + from + ", " + to + "): " + why(failure);
        }

        String describe(Throwable failure) {
            return "device " + (index + 1) + " (" + spec.backend() + ") failed: " + why(failure);
        }

        private static String why(Throwable failure) {
            return failure.getMessage() == null ? failure.getClass().getSimpleName()
                    : failure.getMessage().lines().findFirst().orElse("");
        }

        void close() {
            // No task is pending (velocity waits for its own), so the thread ends at once.
            thread.shutdown();
            try {
                if (!thread.awaitTermination(10, TimeUnit.SECONDS)) thread.shutdownNow();
            } catch (InterruptedException e) {
                thread.shutdownNow();
                Thread.currentThread().interrupt();
            }
            try {
                model.close();
            } finally {
                backend.close();
            }
        }

        void closeQuietly(Throwable into) {
            try {
                close();
            } catch (RuntimeException e) {
                into.addSuppressed(e);
            }
        }
    }
}
