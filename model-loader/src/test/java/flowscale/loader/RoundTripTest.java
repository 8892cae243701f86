package flowscale.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Writer -> file -> reader preserves names, dtypes, shapes, bytes and metadata. */
class RoundTripTest {

    @ParameterizedTest
    @EnumSource(DType.class)
    void everyDtypeRoundTripsThroughADiskFile(DType dtype, @TempDir Path dir) {
        long[] shape = {3, 5};
        byte[] data = new byte[15 * dtype.byteSize()];
        new Random(dtype.ordinal()).nextBytes(data);
        Path p = dir.resolve(dtype + ".safetensors");
        new SafetensorsWriter().metadata("dtype", dtype.safetensorsName())
                .add("t", dtype, shape, data)
                .add("scalar", dtype, new long[] {}, new byte[dtype.byteSize()])
                .write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            TensorInfo t = f.tensor("t");
            assertEquals(dtype, t.dtype());
            assertArrayEquals(shape, t.shape());
            assertArrayEquals(data, f.bytes("t").toArray(ValueLayout.JAVA_BYTE));
            assertEquals(dtype.safetensorsName(), f.metadata().get("dtype"));
            assertEquals(16, f.parameterCount());
            assertEquals(DType.fromSafetensorsName(dtype.safetensorsName()).orElseThrow(), dtype);
        }
    }

    @Test
    void floatWritersRoundTripThroughTheConverters() {
        float[] values = {0f, -0f, 1f, -2.5f, 3.1415927f, 65504f, 1e-7f, Float.POSITIVE_INFINITY, Float.NaN, 1e30f, -1e-30f};
        long[] shape = {values.length};
        byte[] file = Bytes.written(new SafetensorsWriter()
                .addF32("f32", shape, values).addBf16("bf16", shape, values).addF16("f16", shape, values));
        try (SafetensorsFile f = Bytes.read(file)) {
            assertArrayEquals(values, f.toFloatArray("f32"));
            float[] bf = f.toFloatArray("bf16");
            float[] h = f.toFloatArray("f16");
            for (int i = 0; i < values.length; i++) {
                assertEquals(FloatConversions.bf16ToFloat(FloatConversions.floatToBf16(values[i])), bf[i], "bf16 " + values[i]);
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(values[i])), h[i], "f16 " + values[i]);
            }
            assertEquals(3.140625f, bf[4]);
            assertEquals(3.140625f, h[4]);
            assertEquals(65504f, h[5]);
            assertTrue(Float.isNaN(bf[8]) && Float.isNaN(h[8]));
            assertEquals(Float.POSITIVE_INFINITY, h[9], "1e30 overflows float16");
        }
    }

    @Test
    void layoutIsLargestElementFirstThenByNameAndHeaderIsPaddedTo8() {
        SafetensorsWriter w = new SafetensorsWriter()
                .add("b_u8", DType.U8, new long[] {3}, new byte[3])
                .add("a_u8", DType.U8, new long[] {1}, new byte[1])
                .addBf16("z_half", new long[] {1}, new float[] {1})
                .add("y_f64", DType.F64, new long[] {1}, new byte[8])
                .addF32("x_f32", new long[] {1}, new float[] {1});
        byte[] header = w.headerBytes();
        assertEquals(0, header.length % 8);
        try (SafetensorsFile f = Bytes.read(Bytes.written(w))) {
            List<String> byOffset = f.tensors().stream().sorted((a, b) -> Long.compare(a.begin(), b.begin()))
                    .map(TensorInfo::name).toList();
            assertEquals(List.of("y_f64", "x_f32", "z_half", "a_u8", "b_u8"), byOffset);
            for (TensorInfo t : f.tensors()) {
                assertEquals(0, (f.dataStart() + t.begin()) % t.dtype().byteSize(), t.name() + " is aligned in the file");
            }
        }
    }

    @Test
    void writerRejectsBadInput() {
        SafetensorsWriter w = new SafetensorsWriter().addF32("a", new long[] {1}, new float[] {1});
        assertThrows(IllegalArgumentException.class, () -> w.addF32("a", new long[] {1}, new float[] {1}));
        assertThrows(IllegalArgumentException.class, () -> w.add("b", DType.F32, new long[] {2}, new byte[4]));
        assertThrows(IllegalArgumentException.class, () -> w.addF16("c", new long[] {3}, new float[2]));
        assertThrows(IllegalArgumentException.class, () -> w.add("d", DType.U8, new long[] {-1}, new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> w.add("__metadata__", DType.U8, new long[] {0}, new byte[0]));
    }

    @Test
    void writeReplacesAtomicallyAndLeavesNoTemporaryFiles(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("w.safetensors");
        Files.writeString(p, "old contents");
        new SafetensorsWriter().addF32("a", new long[] {1}, new float[] {4}).write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {4}, f.toFloatArray("a"));
        }
        try (var files = Files.list(dir)) {
            assertEquals(List.of(p), files.toList());
        }
        SafetensorsException e = assertThrows(SafetensorsException.class,
                () -> new SafetensorsWriter().write(dir.resolve("no/such/dir/x.safetensors")));
        assertEquals(SafetensorsException.Kind.IO, e.kind());
    }
}
