package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

import java.util.HashMap;
import java.util.Map;

/**
 * A model's device, as its callers see it ({@link VelocityModel#device()}): the backend its device path runs on, and
 * named latent buffers there ({@code [rows, dim]}) that callers reuse from one search to the next. A backend frees
 * memory only when it closes, so a buffer per search would grow without bound over a prompts file; a named buffer is
 * allocated once per size it grows to (doubling).
 *
 * <p>Not thread-safe: one search at a time uses one set of buffers (searches that share model calls each get a set of
 * their own, {@code application.SearchBatch}), and a name stands for one use (two live uses of a name would share
 * memory).
 */
public final class DeviceBuffers {
    private final Backend backend;
    private final int dim;
    private final Map<String, Tensor> buffers = new HashMap<>();

    public DeviceBuffers(Backend backend, int dim) {
        this.backend = backend;
        this.dim = dim;
    }

    public Backend backend() {
        return backend;
    }

    /** Floats in one latent, the width of every buffer. */
    public int dim() {
        return dim;
    }

    /** Rows {@code [0, n)} of the buffer {@code name}, grown first if it has fewer; contents are whatever was left there. */
    public Tensor rows(String name, int n) {
        if (n < 0) throw new IllegalArgumentException("buffer " + name + " of " + n + " rows");
        Tensor t = buffers.get(name);
        if (t == null || t.rows() < n) {
            t = backend.allocate(Math.max(Math.max(n, 1), t == null ? 0 : 2L * t.rows()), dim);
            buffers.put(name, t);
        }
        return t.rowRange(0, n);
    }
}
