package flowscale.loader;

import flowscale.loader.SafetensorsException.Kind;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Named tensors read from a checkpoint: one safetensors file ({@link SafetensorsFile}) or a sharded set of them
 * ({@link ShardedCheckpoint}). Typed access converts F16, BF16, F8_E4M3 and F64 to float32; other dtypes are refused.
 */
public interface TensorStore extends AutoCloseable {

    /** Opens {@code path} as a sharded checkpoint if its name ends in {@code .index.json}, else as one file. */
    static TensorStore open(Path path, ReaderOptions options) {
        Path name = path.getFileName();
        if (name != null && name.toString().endsWith(".index.json")) {
            return ShardedCheckpoint.open(path, options);
        }
        return SafetensorsFile.open(path, options);
    }

    static TensorStore open(Path path) {
        return open(path, ReaderOptions.defaults());
    }

    /** The file this store was read from, as used in error messages. */
    String source();

    /** The checkpoint's string metadata (the safetensors {@code __metadata__}, or the index's {@code metadata}). */
    Map<String, String> metadata();

    /** Every tensor, sorted by name. */
    List<TensorInfo> tensors();

    Optional<TensorInfo> find(String name);

    /** The tensor called {@code name}, or {@link Kind#TENSOR_NOT_FOUND}. */
    default TensorInfo tensor(String name) {
        return find(name).orElseThrow(() -> new SafetensorsException(Kind.TENSOR_NOT_FOUND, source(),
                "no tensor named '" + name + "' (the checkpoint has " + tensors().size() + " tensors)"));
    }

    /** The tensor's raw little-endian bytes, a zero-copy read-only view valid until {@link #close()}. */
    MemorySegment bytes(String name);

    /** Sum of the element counts of all tensors. */
    default long parameterCount() {
        long n = 0;
        for (TensorInfo t : tensors()) {
            n += t.elementCount();
        }
        return n;
    }

    /** Sum of the byte sizes of all tensors. */
    default long dataBytes() {
        long n = 0;
        for (TensorInfo t : tensors()) {
            n += t.byteSize();
        }
        return n;
    }

    /**
     * The tensor as little-endian float32 values. For F32 this is the zero-copy file view (read it with
     * {@code ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(LITTLE_ENDIAN)}: mapped data need not be 4-byte aligned);
     * for F16, BF16, F8_E4M3 and F64 it is a converted heap copy (platform byte order, little-endian on x86-64 and aarch64).
     */
    default MemorySegment f32(String name) {
        TensorInfo info = convertible(name);
        if (info.dtype() == DType.F32) {
            return bytes(name);
        }
        return MemorySegment.ofArray(toFloatArray(name));
    }

    /** A new float array with the tensor's values converted to float32. */
    default float[] toFloatArray(String name) {
        TensorInfo info = convertible(name);
        long count = info.elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new SafetensorsException(Kind.TOO_LARGE_FOR_ARRAY, source(), "tensor '" + name + "' has " + count
                    + " elements, more than a Java array holds; use bytes() or f32()");
        }
        float[] dst = new float[(int) count];
        FloatConversions.toF32(info.dtype(), bytes(name), 0, dst, 0, dst.length);
        return dst;
    }

    /**
     * Converts the tensor's values into {@code dst[off ..]}.
     *
     * @throws IndexOutOfBoundsException if {@code dst} has fewer than elementCount() slots from {@code off}
     */
    default void readFloats(String name, float[] dst, int off) {
        TensorInfo info = convertible(name);
        long count = info.elementCount();
        Objects.checkFromIndexSize(off, count, dst.length);
        FloatConversions.toF32(info.dtype(), bytes(name), 0, dst, off, (int) count);
    }

    private TensorInfo convertible(String name) {
        TensorInfo info = tensor(name);
        if (!info.dtype().isFloatConvertible()) {
            throw new SafetensorsException(Kind.UNSUPPORTED_DTYPE, source(), "tensor '" + name + "' is "
                    + info.dtype().safetensorsName() + "; only F32, F16, BF16, F8_E4M3 and F64 can be read as float32 (F8_E5M2 and F8_E8M0 are not supported)");
        }
        return info;
    }

    /** Unmaps the files; segments returned by {@link #bytes} and F32 {@link #f32} views become inaccessible. */
    @Override
    void close();
}
