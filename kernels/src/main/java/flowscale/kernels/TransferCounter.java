package flowscale.kernels;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes one backend has moved between Java (host) memory and its tensors: {@link Backend#upload} and
 * {@link Backend#download}, and on a device backend also what its ops move behind the caller's back (host-made
 * values an op uploads, such as timestep angles or host-generated normals, and the partial results a reduction
 * reads back). Weights packed at load count too, so a measurement resets the counter after loading.
 *
 * <p>One counter per backend instance (never a global), readable from any thread. On a host backend ({@code cpu},
 * {@code reference}) an upload is a copy between the Java heap and off-heap memory, counted the same way: the
 * numbers then say how often the caller crossed the boundary, which is what a device pays for.
 */
public final class TransferCounter {
    private final AtomicLong uploaded = new AtomicLong();
    private final AtomicLong downloaded = new AtomicLong();
    private final AtomicLong uploads = new AtomicLong();
    private final AtomicLong downloads = new AtomicLong();

    /** Records {@code bytes} copied from host memory into the backend's memory (one transfer). */
    public void uploaded(long bytes) {
        uploaded.addAndGet(bytes);
        uploads.incrementAndGet();
    }

    /** Records {@code bytes} copied from the backend's memory to host memory (one transfer). */
    public void downloaded(long bytes) {
        downloaded.addAndGet(bytes);
        downloads.incrementAndGet();
    }

    public long uploadedBytes() { return uploaded.get(); }

    public long downloadedBytes() { return downloaded.get(); }

    /** Uploaded plus downloaded bytes. */
    public long totalBytes() { return uploaded.get() + downloaded.get(); }

    /** Number of host-to-backend transfers. */
    public long uploads() { return uploads.get(); }

    /** Number of backend-to-host transfers. */
    public long downloads() { return downloads.get(); }

    /** Sets every count back to zero. */
    public void reset() {
        uploaded.set(0);
        downloaded.set(0);
        uploads.set(0);
        downloads.set(0);
    }

    @Override
    public String toString() {
        return "uploaded " + uploadedBytes() + " B in " + uploads() + ", downloaded " + downloadedBytes() + " B in " + downloads();
    }
}
