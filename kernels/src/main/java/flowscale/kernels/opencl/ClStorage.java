package flowscale.kernels.opencl;

import flowscale.kernels.Backend;
import flowscale.kernels.Storage;
import org.jocl.Pointer;
import org.jocl.cl_mem;

import static org.jocl.CL.clReleaseMemObject;

/** A device buffer of floats; released on {@link #close} (or when its backend closes). */
public final class ClStorage implements Storage, AutoCloseable {
    private final OpenClBackend backend;
    private final cl_mem mem;
    private final long capacity;
    private final Pointer pointer;
    private boolean released;

    ClStorage(OpenClBackend backend, cl_mem mem, long capacity) {
        this.backend = backend;
        this.mem = mem;
        this.capacity = capacity;
        this.pointer = Pointer.to(mem);
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    /** The OpenCL buffer; valid until this storage is closed. */
    public cl_mem mem() {
        if (released) throw new IllegalStateException("OpenCL buffer used after it was released");
        return mem;
    }

    /** A pointer to the buffer handle, made once, for kernel arguments. */
    Pointer pointer() {
        mem();
        return pointer;
    }

    @Override
    public synchronized void close() {
        if (!released) {
            released = true;
            clReleaseMemObject(mem);
            backend.forget(this);
        }
    }

    /** Releases without telling the backend (the backend is closing and drops its list itself). */
    synchronized void releaseQuietly() {
        if (!released) {
            released = true;
            clReleaseMemObject(mem);
        }
    }
}
