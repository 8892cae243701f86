package flowscale.spark;

import flowscale.runtime.application.LoadedModel;
import flowscale.runtime.application.ModelFingerprint;
import flowscale.runtime.application.ModelOptions;
import flowscale.runtime.application.ModelSources;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models of one executor JVM, loaded once and reused by every task that runs there. A model is not
 * thread-safe (its forward pass owns its buffers), so a task leases one for its search and gives it back; a JVM
 * runs as many searches at once as Spark gives it task slots ({@code spark.executor.cores /
 * spark.task.cpus}) and holds that many copies at most, one with the default of one slot. Models stay loaded
 * for the life of the JVM.
 */
final class ModelCache {
    /** Which model, opened how: one pool per key. */
    record Key(String model, String backend, String devices, double cfg) {}

    /** A loaded model with the fingerprint its traces record, computed once per load. */
    record Model(LoadedModel loaded, ModelFingerprint fingerprint) {}

    private static final Map<Key, Deque<Model>> IDLE = new HashMap<>();
    private static final AtomicInteger LOADS = new AtomicInteger();

    private ModelCache() {}

    /** A model for {@code key}: an idle one if there is one, else a new load. Give it back with {@link Lease#close}. */
    static Lease lease(Key key) {
        synchronized (IDLE) {
            Model idle = IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).pollFirst();
            if (idle != null) return new Lease(key, idle);
        }
        // Loading outside the lock: another task of this JVM may load another key meanwhile.
        LoadedModel loaded = ModelSources.open(key.model(), new ModelOptions(key.backend(), key.cfg(), key.devices()));
        LOADS.incrementAndGet();
        return new Lease(key, new Model(loaded, ModelFingerprint.of(key.model())));
    }

    /** How many models this JVM has loaded. */
    static int loads() {
        return LOADS.get();
    }

    /** One task's use of a model. */
    record Lease(Key key, Model model) implements AutoCloseable {
        @Override
        public void close() {
            synchronized (IDLE) {
                IDLE.computeIfAbsent(key, k -> new ArrayDeque<>()).addFirst(model);
            }
        }
    }
}
