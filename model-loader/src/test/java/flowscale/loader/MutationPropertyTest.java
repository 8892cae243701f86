package flowscale.loader;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Robustness: valid files, damaged by random bit flips, truncations, inserted or deleted header bytes, edited
 * numbers and rewritten length prefixes, either still read as valid files (and then every tensor is readable)
 * or fail with a {@link SafetensorsException}. Any other exception, a hang or a huge allocation is a bug.
 * Mutations are drawn from a seeded {@link Random}, so a failing case is reproduced by its seed.
 */
class MutationPropertyTest {

    private static final List<byte[]> BASES = List.of(
            Bytes.written(new SafetensorsWriter()),
            Bytes.written(new SafetensorsWriter().metadata("format", "pt").metadata("n", "12")),
            Bytes.written(SampleFile.build()),
            Bytes.written(new SafetensorsWriter()
                    .addF32("a", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
                    .addBf16("b", new long[] {4}, new float[] {1, -1, 0.5f, 2})
                    .add("c", DType.F64, new long[] {1}, new byte[8])
                    .add("e", DType.U8, new long[] {0}, new byte[0])
                    .add("s", DType.I16, new long[] {}, new byte[2])),
            Bytes.written(new SafetensorsWriter()
                    .addF16("h", new long[] {3, 1, 2}, new float[] {1, 2, 3, 4, 5, 6})
                    .add("u", DType.U8, new long[] {5}, new byte[] {1, 2, 3, 4, 5})));

    @Property(tries = 12_000, shrinking = ShrinkingMode.OFF)
    void damagedFilesOnlyEverFailWithSafetensorsException(@ForAll long seed, @ForAll @IntRange(min = 0, max = 4) int base) {
        Random r = new Random(seed);
        byte[] file = BASES.get(base).clone();
        int mutations = 1 + r.nextInt(3);
        for (int i = 0; i < mutations; i++) {
            file = mutate(file, r);
        }
        SafetensorsFile f;
        try {
            f = SafetensorsFile.of(MemorySegment.ofArray(file), "mutated", ReaderOptions.defaults());
        } catch (SafetensorsException expected) {
            Statistics.label("outcome").collect(expected.kind().name());
            return;
        }
        Statistics.label("outcome").collect("still valid");
        exerciseEveryTensor(f, file.length);
    }

    /** A file that survived mutation is valid: every tensor must then be readable within the data section. */
    private static void exerciseEveryTensor(SafetensorsFile f, long fileSize) {
        assertEquals(fileSize - f.dataStart(), f.dataBytes(), "tensors tile the data section");
        for (TensorInfo t : f.tensors()) {
            MemorySegment bytes = f.bytes(t.name());
            assertEquals(t.byteSize(), bytes.byteSize());
            if (bytes.byteSize() > 0) {
                bytes.get(ValueLayout.JAVA_BYTE, bytes.byteSize() - 1);
            }
            if (t.dtype().isFloatConvertible()) {
                assertEquals(t.elementCount(), f.toFloatArray(t.name()).length);
            } else {
                try {
                    f.toFloatArray(t.name());
                } catch (SafetensorsException expected) {
                    assertEquals(SafetensorsException.Kind.UNSUPPORTED_DTYPE, expected.kind());
                }
            }
        }
        f.parameterCount();
    }

    private static byte[] mutate(byte[] file, Random r) {
        int headerEnd = headerEnd(file);
        return switch (r.nextInt(8)) {
            case 0 -> flipBit(file, r);
            case 1 -> Arrays.copyOf(file, r.nextInt(file.length + 1));
            case 2 -> insert(file, 8 + r.nextInt(Math.max(1, headerEnd - 7)), randomBytes(r));
            case 3 -> delete(file, r, headerEnd);
            case 4 -> editNumber(file, r, headerEnd);
            case 5 -> setPrefix(file, prefixValue(file, r));
            case 6 -> replaceWithJsonSyntax(file, r, headerEnd);
            default -> Bytes.concat(file, new byte[1 + r.nextInt(16)]);
        };
    }

    private static int headerEnd(byte[] file) {
        if (file.length < 8) {
            return file.length;
        }
        long n = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return (int) Math.max(8, Math.min(file.length, 8 + Math.max(0, n)));
    }

    private static byte[] flipBit(byte[] file, Random r) {
        if (file.length == 0) {
            return file;
        }
        int i = r.nextInt(file.length);
        file[i] ^= (byte) (1 << r.nextInt(8));
        return file;
    }

    private static byte[] randomBytes(Random r) {
        String[] snippets = {",", "\"", "{", "}", "[", "]", ":", "0", "-1", "1e9", "null", "\"x\":1", "\\u0000", " "};
        if (r.nextBoolean()) {
            return snippets[r.nextInt(snippets.length)].getBytes(StandardCharsets.UTF_8);
        }
        byte[] b = new byte[1 + r.nextInt(4)];
        r.nextBytes(b);
        return b;
    }

    private static byte[] insert(byte[] file, int at, byte[] bytes) {
        at = Math.min(at, file.length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(file, 0, at);
        out.writeBytes(bytes);
        out.write(file, at, file.length - at);
        return out.toByteArray();
    }

    private static byte[] delete(byte[] file, Random r, int headerEnd) {
        if (headerEnd <= 8) {
            return file;
        }
        int at = 8 + r.nextInt(headerEnd - 8);
        int n = Math.min(1 + r.nextInt(6), file.length - at);
        byte[] out = new byte[file.length - n];
        System.arraycopy(file, 0, out, 0, at);
        System.arraycopy(file, at + n, out, at, file.length - at - n);
        return out;
    }

    /** Replaces a run of digits in the header with another number, often one that is large or off by one. */
    private static byte[] editNumber(byte[] file, Random r, int headerEnd) {
        int start = -1;
        for (int tries = 0; tries < 20 && start < 0; tries++) {
            int i = 8 + r.nextInt(Math.max(1, headerEnd - 8));
            if (i < file.length && Character.isDigit(file[i])) {
                start = i;
            }
        }
        if (start < 0) {
            return file;
        }
        while (start > 8 && Character.isDigit(file[start - 1])) {
            start--;
        }
        int end = start;
        while (end < file.length && Character.isDigit(file[end])) {
            end++;
        }
        long old = 0;
        try {
            old = Long.parseLong(new String(file, start, Math.min(end - start, 18), StandardCharsets.US_ASCII));
        } catch (NumberFormatException ignored) {
            // keep 0
        }
        String replacement = switch (r.nextInt(6)) {
            case 0 -> Long.toString(old + 1);
            case 1 -> Long.toString(Math.max(0, old - 1));
            case 2 -> Long.toString(r.nextLong() & Long.MAX_VALUE);
            case 3 -> "18446744073709551617";
            case 4 -> Long.toString(old) + ".5";
            default -> Long.toString(r.nextInt(100));
        };
        byte[] rep = replacement.getBytes(StandardCharsets.US_ASCII);
        byte[] cut = delete(file, start, end - start);
        byte[] out = insert(cut, start, rep);
        // Keep the length prefix consistent half of the time, so that edits reach the validator behind it.
        return r.nextBoolean() ? setPrefix(out, headerEnd - 8 + rep.length - (end - start)) : out;
    }

    private static byte[] delete(byte[] file, int at, int n) {
        byte[] out = new byte[file.length - n];
        System.arraycopy(file, 0, out, 0, at);
        System.arraycopy(file, at + n, out, at, file.length - at - n);
        return out;
    }

    private static long prefixValue(byte[] file, Random r) {
        return switch (r.nextInt(6)) {
            case 0 -> r.nextLong();
            case 1 -> Long.MAX_VALUE;
            case 2 -> 99_999_999L;
            case 3 -> file.length - 8 - r.nextInt(4);
            case 4 -> file.length - 8 + 1;
            default -> r.nextInt(Math.max(1, file.length));
        };
    }

    private static byte[] setPrefix(byte[] file, long value) {
        if (file.length < 8) {
            return file;
        }
        ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).putLong(value);
        return file;
    }

    private static byte[] replaceWithJsonSyntax(byte[] file, Random r, int headerEnd) {
        if (headerEnd <= 8) {
            return file;
        }
        byte[] syntax = "{}[]\":, 0-".getBytes(StandardCharsets.US_ASCII);
        file[8 + r.nextInt(headerEnd - 8)] = syntax[r.nextInt(syntax.length)];
        return file;
    }
}
