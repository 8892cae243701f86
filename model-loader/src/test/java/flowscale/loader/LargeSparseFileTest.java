package flowscale.loader;

import flowscale.loader.SafetensorsException.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A 7 GiB file (a 3 GiB U8 tensor, then a 4 GiB F16 tensor of 2^31 elements) that costs nothing: the data is a hole in a sparse file and mapping is lazy.
 * It proves offsets beyond 2^31 and 2^32 are handled as longs end to end.
 */
class LargeSparseFileTest {
    private static final long THREE_GIB = 3L << 30;
    private static final long HALVES = 1L << 31;
    private static final long TOTAL = THREE_GIB + 2 * HALVES;

    @Test
    void offsetsBeyondFourGigabytes(@TempDir Path dir) throws IOException {
        String header = "{" + Bytes.entry("bytes", "U8", "[" + THREE_GIB + "]", 0, THREE_GIB) + ","
                + Bytes.entry("halves", "F16", "[" + HALVES + "]", THREE_GIB, TOTAL) + "}";
        byte[] head = Bytes.concat(Bytes.prefix(header.length()), header.getBytes(StandardCharsets.UTF_8));
        Path p = dir.resolve("sparse.safetensors");
        // A filesystem that refuses a sparse file fails the test (IOException): the large-file path must run.
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(head);
            f.setLength(head.length + TOTAL);
            f.seek(head.length + TOTAL - 2);
            f.write(new byte[] {0x00, 0x3c}); // float16 1.0, little-endian, as the very last element
        }
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(THREE_GIB, f.bytes("bytes").byteSize());
            assertEquals(0, f.bytes("bytes").get(ValueLayout.JAVA_BYTE, THREE_GIB - 1));
            MemorySegment halves = f.bytes("halves");
            assertEquals(2 * HALVES, halves.byteSize());
            float[] last = new float[1];
            FloatConversions.f16ToF32(halves, 2 * HALVES - 2, last, 0, 1);
            assertEquals(1.0f, last[0]);
            assertEquals(TOTAL, f.dataBytes());
            assertEquals(THREE_GIB + HALVES, f.parameterCount());
            assertEquals(Kind.TOO_LARGE_FOR_ARRAY, assertThrows(SafetensorsException.class, () -> f.toFloatArray("halves")).kind());
        }
    }
}
