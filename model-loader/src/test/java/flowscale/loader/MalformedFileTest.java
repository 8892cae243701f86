package flowscale.loader;

import flowscale.loader.SafetensorsException.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;

import static flowscale.loader.Bytes.concat;
import static flowscale.loader.Bytes.entry;
import static flowscale.loader.Bytes.file;
import static flowscale.loader.Bytes.prefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One byte-level malformation per case; each must fail with exactly its Kind and a one-line message. */
class MalformedFileTest {

    static Stream<Arguments> malformations() {
        String f32x2 = entry("w", "F32", "[2]", 0, 8);
        return Stream.of(
                bad("empty file", new byte[0], Kind.FILE_TOO_SMALL),
                bad("7 bytes", new byte[7], Kind.FILE_TOO_SMALL),
                bad("header length above the 100 MB cap", concat(prefix(100_000_001L), "{}".getBytes(StandardCharsets.UTF_8)), Kind.HEADER_TOO_LARGE),
                bad("header length 2^64-1 (unsigned)", concat(prefix(-1L), new byte[16]), Kind.HEADER_TOO_LARGE),
                bad("header length past end of file", concat(prefix(100), "{}".getBytes(StandardCharsets.UTF_8)), Kind.HEADER_LENGTH_EXCEEDS_FILE),
                bad("header length one past end of file", concat(prefix(3), "{}".getBytes(StandardCharsets.UTF_8)), Kind.HEADER_LENGTH_EXCEEDS_FILE),
                bad("invalid UTF-8 byte 0xff", file(concat("{\"a".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xff}, "\":1}".getBytes(StandardCharsets.UTF_8)), 0), Kind.HEADER_NOT_UTF8),
                bad("overlong UTF-8 encoding of '/'", file(concat("{\"".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xc0, (byte) 0xaf}, "\":1}".getBytes(StandardCharsets.UTF_8)), 0), Kind.HEADER_NOT_UTF8),
                bad("UTF-8 sequence cut at the end", file(concat("{}".getBytes(StandardCharsets.UTF_8), new byte[] {(byte) 0xe2, (byte) 0x82}), 0), Kind.HEADER_NOT_UTF8),
                bad("empty header", file("", 0), Kind.HEADER_NOT_JSON),
                bad("truncated JSON", file("{\"w\":", 0), Kind.HEADER_NOT_JSON),
                bad("garbage after the object", file("{} x", 0), Kind.HEADER_NOT_JSON),
                bad("NUL padding instead of spaces", file("{}\0\0\0\0\0\0", 0), Kind.HEADER_NOT_JSON),
                bad("single-quoted key", file("{'w':1}", 0), Kind.HEADER_NOT_JSON),
                bad("header is an array", file("[]", 0), Kind.HEADER_NOT_OBJECT),
                bad("header starts with a space", file(" {}", 0), Kind.HEADER_NOT_OBJECT),
                bad("duplicate tensor name", file("{" + f32x2 + "," + f32x2 + "}", 8), Kind.DUPLICATE_KEY),
                bad("duplicate field in an entry", file("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8), Kind.DUPLICATE_KEY),
                bad("duplicate metadata key", file("{\"__metadata__\":{\"a\":\"1\",\"a\":\"2\"}}", 0), Kind.DUPLICATE_KEY),
                bad("metadata is an array", file("{\"__metadata__\":[\"a\"]}", 0), Kind.METADATA_NOT_OBJECT),
                bad("metadata is a string", file("{\"__metadata__\":\"a\"}", 0), Kind.METADATA_NOT_OBJECT),
                bad("metadata value is a number", file("{\"__metadata__\":{\"a\":1}}", 0), Kind.METADATA_VALUE_NOT_STRING),
                bad("metadata value is an object", file("{\"__metadata__\":{\"a\":{\"b\":\"c\"}}}", 0), Kind.METADATA_VALUE_NOT_STRING),
                bad("metadata value is null", file("{\"__metadata__\":{\"a\":null}}", 0), Kind.METADATA_VALUE_NOT_STRING),
                bad("tensor entry is an array", file("{\"w\":[0,8]}", 8), Kind.TENSOR_NOT_OBJECT),
                bad("tensor entry is null", file("{\"w\":null}", 0), Kind.TENSOR_NOT_OBJECT),
                bad("unknown field in entry", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"stride\":[1]}}", 8), Kind.UNKNOWN_FIELD),
                bad("missing data_offsets", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), Kind.MISSING_FIELD),
                bad("missing dtype", file("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8), Kind.MISSING_FIELD),
                bad("missing shape", file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", 8), Kind.MISSING_FIELD),
                bad("unknown dtype", file("{" + entry("w", "F128", "[2]", 0, 8) + "}", 8), Kind.UNKNOWN_DTYPE),
                bad("lower-case dtype", file("{" + entry("w", "f32", "[2]", 0, 8) + "}", 8), Kind.UNKNOWN_DTYPE),
                bad("unknown dtype on a name with a line break", file("{" + entry("a\\nb", "X", "[1]", 0, 1) + "}", 1), Kind.UNKNOWN_DTYPE),
                bad("dtype is a number", file("{\"w\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}}", 8), Kind.UNKNOWN_DTYPE),
                bad("negative dimension", file("{" + entry("w", "F32", "[-2]", 0, 8) + "}", 8), Kind.BAD_SHAPE),
                bad("fractional dimension", file("{" + entry("w", "F32", "[2.0]", 0, 8) + "}", 8), Kind.BAD_SHAPE),
                bad("dimension as a string", file("{" + entry("w", "F32", "[\"2\"]", 0, 8) + "}", 8), Kind.BAD_SHAPE),
                bad("dimension beyond 64 bits", file("{" + entry("w", "U8", "[18446744073709551616]", 0, 8) + "}", 8), Kind.BAD_SHAPE),
                bad("nested shape array", file("{" + entry("w", "F32", "[[2]]", 0, 8) + "}", 8), Kind.BAD_SHAPE),
                bad("shape is a number", file("{" + entry("w", "F32", "2", 0, 8) + "}", 8), Kind.BAD_SHAPE),
                bad("three offsets", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]}}", 8), Kind.BAD_OFFSETS),
                bad("one offset", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}}", 8), Kind.BAD_OFFSETS),
                bad("begin after end", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8), Kind.BAD_OFFSETS),
                bad("negative offset", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8), Kind.BAD_OFFSETS),
                bad("fractional offset", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]}}", 8), Kind.BAD_OFFSETS),
                bad("offsets is an object", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":{\"b\":0}}}", 8), Kind.BAD_OFFSETS),
                bad("element count overflows", file("{" + entry("w", "U8", "[4294967296,4294967296]", 0, 8) + "}", 8), Kind.SIZE_OVERFLOW),
                bad("byte size overflows", file("{" + entry("w", "F64", "[2305843009213693952]", 0, 8) + "}", 8), Kind.SIZE_OVERFLOW),
                bad("size does not match offsets", file("{" + entry("w", "F32", "[2]", 0, 4) + "}", 4), Kind.SIZE_MISMATCH),
                bad("size mismatch for a scalar", file("{" + entry("w", "F32", "[]", 0, 8) + "}", 8), Kind.SIZE_MISMATCH),
                bad("data does not start at 0", file("{" + entry("w", "F32", "[1]", 4, 8) + "}", 8), Kind.DATA_NOT_AT_START),
                bad("gap between tensors", file("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}", 12), Kind.GAP),
                bad("overlapping tensors", file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", 12), Kind.OVERLAP),
                bad("identical ranges", file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 0, 8) + "}", 8), Kind.OVERLAP),
                bad("empty tensor inside another", file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("z", "F32", "[0]", 4, 4) + "}", 8), Kind.OVERLAP),
                bad("bytes after the last tensor", file("{" + f32x2 + "}", 12), Kind.TRAILING_DATA),
                bad("data but no tensors", file("{}", 4), Kind.TRAILING_DATA),
                bad("tensor beyond the end of file", file("{" + f32x2 + "}", 4), Kind.DATA_SHORT)
        );
    }

    private static Arguments bad(String what, byte[] contents, Kind kind) {
        return Arguments.of(what, contents, kind);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformations")
    void rejectsWithItsKind(String what, byte[] contents, Kind kind) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> Bytes.read(contents), what);
        assertEquals(kind, e.kind(), what + ": " + e.getMessage());
        assertOneLineAbout("test.safetensors", e);
    }

    @Test
    void everyFileLevelKindIsCovered() {
        Set<Kind> covered = EnumSet.noneOf(Kind.class);
        malformations().forEach(a -> covered.add((Kind) a.get()[2]));
        Set<Kind> fileKinds = EnumSet.range(Kind.FILE_TOO_SMALL, Kind.DATA_SHORT);
        fileKinds.removeAll(covered);
        assertTrue(fileKinds.isEmpty(), "no malformed-file case for " + fileKinds);
        assertTrue(malformations().count() >= 25);
    }

    @Test
    void customHeaderCapIsEnforced() {
        byte[] contents = file("{}" + " ".repeat(30), 0);
        SafetensorsException e = assertThrows(SafetensorsException.class, () ->
                SafetensorsFile.of(MemorySegment.ofArray(contents), "small-cap", new ReaderOptions(16)));
        assertEquals(Kind.HEADER_TOO_LARGE, e.kind());
        assertTrue(e.getMessage().contains("16"), e.getMessage());
    }

    @Test
    void missingFileIsAnIoError(@TempDir Path dir) {
        Path missing = dir.resolve("absent.safetensors");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(missing));
        assertEquals(Kind.IO, e.kind());
        assertOneLineAbout(missing.toString(), e);
    }

    @Test
    void directoryIsAnIoError(@TempDir Path dir) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(dir));
        assertEquals(Kind.IO, e.kind());
    }

    @Test
    void malformedFileOnDiskIsReportedWithItsPath(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, file("{" + entry("w", "F32", "[2]", 0, 8) + "}", 4));
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p));
        assertEquals(Kind.DATA_SHORT, e.kind());
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("8") && e.getMessage().contains("4"), e.getMessage());
        Files.write(p, new byte[3]);
        assertEquals(Kind.FILE_TOO_SMALL, assertThrows(SafetensorsException.class, () -> SafetensorsFile.open(p)).kind());
    }

    @Test
    void lookupAndTypedAccessFailures() {
        SafetensorsWriter w = new SafetensorsWriter()
                .add("ints", DType.I32, new long[] {2}, new byte[8])
                .add("flags", DType.BOOL, new long[] {3}, new byte[3])
                .add("fp8", DType.F8_E5M2, new long[] {1}, new byte[1]);
        try (SafetensorsFile f = Bytes.read(Bytes.written(w))) {
            assertEquals(Kind.TENSOR_NOT_FOUND, assertThrows(SafetensorsException.class, () -> f.tensor("nope")).kind());
            assertEquals(Kind.TENSOR_NOT_FOUND, assertThrows(SafetensorsException.class, () -> f.bytes("nope")).kind());
            assertEquals(Kind.TENSOR_NOT_FOUND, assertThrows(SafetensorsException.class, () -> f.toFloatArray("nope")).kind());
            for (String name : new String[] {"ints", "flags", "fp8"}) {
                SafetensorsException e = assertThrows(SafetensorsException.class, () -> f.toFloatArray(name));
                assertEquals(Kind.UNSUPPORTED_DTYPE, e.kind());
                assertTrue(e.getMessage().contains(name), e.getMessage());
                assertTrue(e.getMessage().contains("F8_E5M2 and F8_E8M0 are not supported"), e.getMessage());
                assertEquals(Kind.UNSUPPORTED_DTYPE, assertThrows(SafetensorsException.class, () -> f.f32(name)).kind());
                assertEquals(Kind.UNSUPPORTED_DTYPE, assertThrows(SafetensorsException.class,
                        () -> f.readFloats(name, new float[8], 0)).kind());
            }
        }
    }

    static void assertOneLineAbout(String source, SafetensorsException e) {
        String m = e.getMessage();
        assertTrue(m.startsWith(source + ": "), m);
        assertFalse(m.contains("\n") || m.contains("\r"), m);
        assertEquals(source, e.source());
    }
}
