package flowscale.loader;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Byte-level file construction for tests that need files the writer would refuse to produce. */
final class Bytes {
    private Bytes() {
    }

    /** 8-byte little-endian length prefix, then {@code header}, then {@code dataBytes} bytes of data. */
    static byte[] file(String header, int dataBytes) {
        return file(header.getBytes(StandardCharsets.UTF_8), dataBytes);
    }

    static byte[] file(byte[] header, int dataBytes) {
        return concat(prefix(header.length), header, new byte[dataBytes]);
    }

    static byte[] prefix(long headerLength) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** A header entry, e.g. {@code entry("w", "F32", "[2]", 0, 8)}. */
    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    static SafetensorsFile read(byte[] contents) {
        return SafetensorsFile.of(MemorySegment.ofArray(contents), "test.safetensors", ReaderOptions.defaults());
    }

    /** The bytes the writer produces, without touching the disk. */
    static byte[] written(SafetensorsWriter w) {
        return w.toByteArray();
    }
}
