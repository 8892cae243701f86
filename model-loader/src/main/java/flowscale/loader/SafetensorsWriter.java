package flowscale.loader;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import flowscale.loader.SafetensorsException.Kind;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a safetensors file. Tensors are laid out by element size, largest first, then by name, so every tensor
 * starts at a multiple of its element size; the header is padded with spaces to a multiple of 8 bytes so the data
 * section starts 8-aligned. {@link #write} goes through a temporary file in the target directory and an atomic
 * move, so a failed write never leaves a partial file under the target name.
 *
 * <p>Byte arrays passed to {@link #add} are kept by reference, not copied: do not change them before {@link #write}.
 */
public final class SafetensorsWriter {
    private static final JsonFactory JSON = new JsonFactory();

    private record Entry(String name, DType dtype, long[] shape, byte[] data) {
    }

    private final Map<String, String> metadata = new LinkedHashMap<>();
    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** Adds a {@code __metadata__} entry (a later value for the same key replaces the earlier one). */
    public SafetensorsWriter metadata(String key, String value) {
        if (key == null || value == null) {
            throw new IllegalArgumentException("metadata key and value must not be null");
        }
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor from its raw little-endian bytes; {@code data.length} must equal the shape's byte size. */
    public SafetensorsWriter add(String name, DType dtype, long[] shape, byte[] data) {
        if (name == null || dtype == null || shape == null || data == null) {
            throw new IllegalArgumentException("name, dtype, shape and data must not be null");
        }
        if (HeaderParser.METADATA_KEY.equals(name)) {
            throw new IllegalArgumentException("'" + HeaderParser.METADATA_KEY + "' is reserved and cannot name a tensor");
        }
        if (names.contains(name)) {
            throw new IllegalArgumentException("duplicate tensor name '" + name + "'");
        }
        long bytes = byteSize(name, dtype, shape);
        if (bytes != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "': " + dtype.safetensorsName() + Arrays.toString(shape)
                    + " needs " + bytes + " bytes, got " + data.length);
        }
        names.add(name);
        entries.add(new Entry(name, dtype, shape.clone(), data));
        return this;
    }

    public SafetensorsWriter addF32(String name, long[] shape, float[] values) {
        ByteBuffer b = buffer(name, DType.F32, shape, values.length);
        for (float v : values) {
            b.putFloat(v);
        }
        return add(name, DType.F32, shape, b.array());
    }

    /** Stores the values as bfloat16, rounded to nearest even. */
    public SafetensorsWriter addBf16(String name, long[] shape, float[] values) {
        ByteBuffer b = buffer(name, DType.BF16, shape, values.length);
        for (float v : values) {
            b.putShort(FloatConversions.floatToBf16(v));
        }
        return add(name, DType.BF16, shape, b.array());
    }

    /** Stores the values as IEEE float16, rounded to nearest even ({@link Float#floatToFloat16}). */
    public SafetensorsWriter addF16(String name, long[] shape, float[] values) {
        ByteBuffer b = buffer(name, DType.F16, shape, values.length);
        for (float v : values) {
            b.putShort(Float.floatToFloat16(v));
        }
        return add(name, DType.F16, shape, b.array());
    }

    /** Stores the values as F8_E4M3, rounded to nearest even ({@link FloatConversions#floatToF8e4m3}). */
    public SafetensorsWriter addF8E4M3(String name, long[] shape, float[] values) {
        ByteBuffer b = buffer(name, DType.F8_E4M3, shape, values.length);
        for (float v : values) {
            b.put(FloatConversions.floatToF8e4m3(v));
        }
        return add(name, DType.F8_E4M3, shape, b.array());
    }

    private static ByteBuffer buffer(String name, DType dtype, long[] shape, int count) {
        long elements = byteSize(name, dtype, shape) / dtype.byteSize();
        if (elements != count) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has "
                    + elements + " elements, got " + count + " values");
        }
        return ByteBuffer.allocate(Math.multiplyExact(count, dtype.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static long byteSize(String name, DType dtype, long[] shape) {
        long n = dtype.byteSize();
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The header JSON, padded with spaces so that its length is a multiple of 8. */
    byte[] headerBytes() {
        List<Entry> ordered = ordered();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            if (!metadata.isEmpty()) {
                g.writeObjectFieldStart(HeaderParser.METADATA_KEY);
                for (Map.Entry<String, String> e : metadata.entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            long offset = 0;
            for (Entry e : ordered) {
                g.writeObjectFieldStart(e.name);
                g.writeStringField("dtype", e.dtype.safetensorsName());
                g.writeArrayFieldStart("shape");
                for (long d : e.shape) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(offset);
                g.writeNumber(offset + e.data.length);
                g.writeEndArray();
                g.writeEndObject();
                offset += e.data.length;
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException("in-memory JSON generation failed", e);
        }
        while (out.size() % 8 != 0) {
            out.write(' ');
        }
        return out.toByteArray();
    }

    private List<Entry> ordered() {
        List<Entry> ordered = new ArrayList<>(entries);
        ordered.sort(Comparator.comparingInt((Entry e) -> -e.dtype.byteSize()).thenComparing(Entry::name));
        return ordered;
    }

    /** Writes the whole file (prefix, header, data) to {@code out}. */
    public void writeTo(OutputStream out) throws IOException {
        byte[] header = headerBytes();
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        out.write(header);
        for (Entry e : ordered()) {
            out.write(e.data);
        }
    }

    /** The whole file in memory, for small files (tests, embedded resources). */
    public byte[] toByteArray() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeTo(out);
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
        return out.toByteArray();
    }

    /** Writes the file whole or not at all ({@link AtomicFile}); the directory must exist. */
    public void write(Path target) {
        try {
            AtomicFile.write(target, this::writeTo);
        } catch (IOException e) {
            throw new SafetensorsException(Kind.IO, target.toString(), "cannot write: " + e, e);
        }
    }
}
