package flowscale.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static flowscale.loader.Bytes.entry;
import static flowscale.loader.Bytes.file;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unusual but valid files the reader must accept, as the reference reader does. */
class ValidFileTest {

    @Test
    void emptyHeader() {
        try (SafetensorsFile f = Bytes.read(file("{}", 0))) {
            assertTrue(f.tensors().isEmpty());
            assertTrue(f.metadata().isEmpty());
            assertEquals(0, f.parameterCount());
            assertEquals(0, f.dataBytes());
        }
    }

    @Test
    void metadataOnly() {
        try (SafetensorsFile f = Bytes.read(file("{\"__metadata__\":{\"format\":\"pt\",\"é\":\"ü\"}}", 0))) {
            assertEquals(Map.of("format", "pt", "é", "ü"), f.metadata());
            assertTrue(f.tensors().isEmpty());
        }
    }

    @Test
    void nullMetadataIsAbsent() {
        try (SafetensorsFile f = Bytes.read(file("{\"__metadata__\":null}", 0))) {
            assertTrue(f.metadata().isEmpty());
        }
    }

    @Test
    void headerPaddedWithSpacesAndWhitespaceInside() {
        String header = "{ \"w\" : {\"dtype\":\"U8\", \"shape\":[ 2 ], \"data_offsets\":[0, 2]}\n}" + " ".repeat(13);
        try (SafetensorsFile f = Bytes.read(file(header, 2))) {
            assertEquals(2, f.tensor("w").elementCount());
        }
    }

    @Test
    void veryLongNamesAndMetadataValues() {
        String name = "n".repeat(200_000);
        String value = "v".repeat(300_000);
        byte[] contents = Bytes.written(new SafetensorsWriter().metadata("k", value).addF32(name, new long[] {1}, new float[] {7}));
        try (SafetensorsFile f = Bytes.read(contents)) {
            assertArrayEquals(new float[] {7}, f.toFloatArray(name));
            assertEquals(value, f.metadata().get("k"));
        }
    }

    @Test
    void zeroSizeTensorsAndScalars() {
        String header = "{" + entry("empty", "F32", "[0,5]", 0, 0) + "," + entry("also_empty", "BF16", "[3,0]", 0, 0)
                + "," + entry("scalar", "F32", "[]", 0, 4) + "," + entry("tail_empty", "U8", "[0]", 4, 4) + "}";
        byte[] contents = file(header, 4);
        MemorySegment.ofArray(contents).set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                contents.length - 4, 2.5f);
        try (SafetensorsFile f = Bytes.read(contents)) {
            assertEquals(List.of("also_empty", "empty", "scalar", "tail_empty"), f.tensors().stream().map(TensorInfo::name).toList());
            assertEquals(0, f.tensor("empty").elementCount());
            assertEquals(0, f.toFloatArray("empty").length);
            assertEquals(0, f.toFloatArray("also_empty").length);
            assertEquals(0, f.tensor("scalar").rank());
            assertEquals(1, f.tensor("scalar").elementCount());
            assertArrayEquals(new float[] {2.5f}, f.toFloatArray("scalar"));
            assertEquals(1, f.parameterCount());
            assertEquals(4, f.dataBytes());
        }
    }

    @Test
    void unalignedDataOffsets() {
        // A U8 of 3 bytes first puts the F32 and F64 tensors at odd data offsets, and an odd header length
        // puts the whole data section at an odd file offset: typed reads must not assume alignment.
        String header = "{" + entry("b", "U8", "[3]", 0, 3) + "," + entry("f", "F32", "[3]", 3, 15)
                + "," + entry("d", "F64", "[9]", 15, 87) + "," + entry("h", "F16", "[17]", 87, 121) + "}";
        byte[] contents = file(header + (header.length() % 2 == 0 ? " " : ""), 121);
        MemorySegment seg = MemorySegment.ofArray(contents);
        long data = contents.length - 121;
        var le = ByteOrder.LITTLE_ENDIAN;
        for (int i = 0; i < 3; i++) {
            seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), data + 3 + 4L * i, i + 0.25f);
        }
        for (int i = 0; i < 9; i++) {
            seg.set(ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(le), data + 15 + 8L * i, i * 1.5);
        }
        for (int i = 0; i < 17; i++) {
            seg.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(le), data + 87 + 2L * i, Float.floatToFloat16(i - 8));
        }
        try (SafetensorsFile f = Bytes.read(contents)) {
            assertEquals(1, f.dataStart() % 2);
            assertArrayEquals(new float[] {0.25f, 1.25f, 2.25f}, f.toFloatArray("f"));
            MemorySegment view = f.f32("f");
            assertEquals(12, view.byteSize());
            assertEquals(2.25f, view.get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(le), 8));
            float[] d = f.toFloatArray("d");
            for (int i = 0; i < 9; i++) {
                assertEquals((float) (i * 1.5), d[i]);
            }
            float[] h = new float[20];
            f.readFloats("h", h, 2);
            for (int i = 0; i < 17; i++) {
                assertEquals(i - 8, h[i + 2]);
            }
        }
    }

    @Test
    void bytesAreZeroCopyViewsOfTheMappedFile(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("m.safetensors");
        new SafetensorsWriter().metadata("k", "v").addF32("a", new long[] {2, 2}, new float[] {1, 2, 3, 4})
                .add("u", DType.U8, new long[] {3}, new byte[] {7, 8, 9}).write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Files.size(p), f.fileSize());
            assertTrue(f.bytes("a").isNative(), "mapped, not copied");
            assertTrue(f.bytes("a").isReadOnly());
            assertEquals(0, f.dataStart() % 8, "writer pads the header to 8 bytes");
            assertArrayEquals(new byte[] {7, 8, 9}, f.bytes("u").toArray(ValueLayout.JAVA_BYTE));
            assertEquals(Map.of("k", "v"), f.metadata());
            assertEquals(7, f.parameterCount());
            assertEquals(19, f.dataBytes());
        }
    }

    @Test
    void tensorStoreOpenPicksTheFormatByName(@TempDir Path dir) {
        Path p = dir.resolve("one.safetensors");
        SampleFile.write(p);
        try (TensorStore s = TensorStore.open(p)) {
            assertTrue(s instanceof SafetensorsFile);
            assertEquals(5, s.tensors().size());
            assertEquals("true", s.metadata().get("flowscale.sample"));
        }
    }
}
