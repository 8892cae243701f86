package flowscale.kernels;

import java.lang.foreign.MemorySegment;

/** Host memory (off-heap, owned by an {@link java.lang.foreign.Arena}) holding floats. */
public record HostStorage(Backend backend, MemorySegment segment) implements Storage {
    @Override
    public long capacity() {
        return segment.byteSize() / Float.BYTES;
    }
}
