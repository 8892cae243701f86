package flowscale.runtime.model.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowscale.loader.DType;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Header-exact, data-sparse safetensors files: every tensor listed with its real name, shape, dtype and offsets,
 * and the data region left as a hole ({@link RandomAccessFile#setLength}), so a multi-gigabyte checkpoint takes a
 * few kilobytes on disk and a reader that only needs the header never touches the rest.
 */
public final class SparseSafetensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SparseSafetensors() {}

    /** Writes {@code shapes} (laid out in name order) as {@code dtype} tensors; returns the data bytes it spans. */
    public static long write(Path file, Map<String, long[]> shapes, DType dtype) {
        ObjectNode header = JSON.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : new TreeMap<>(shapes).entrySet()) {
            long n = 1;
            for (long d : e.getValue()) n *= d;
            long bytes = n * dtype.byteSize();
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype.safetensorsName());
            var shape = t.putArray("shape");
            for (long d : e.getValue()) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int padded = (json.length + 7) / 8 * 8; // the header is padded with spaces to 8 bytes, as writers do
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) head.put((byte) ' ');
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(head.array());
            f.setLength(8L + padded + offset);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return offset;
    }
}
