package flowscale.loader;

import flowscale.loader.SafetensorsException.Kind;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A validated, memory-mapped safetensors file.
 *
 * <p>Layout: an 8-byte little-endian header length {@code N}, {@code N} bytes of UTF-8 JSON, then the data section.
 * {@link #open} maps the whole file read-only into one {@link MemorySegment} owned by a shared arena (so views can
 * be read from any thread), validates the header completely ({@link HeaderParser}) and only then hands out
 * zero-copy slices. Offsets are {@code long} throughout, so files above 2 GB work. Every failure is a
 * {@link SafetensorsException}.
 */
public final class SafetensorsFile implements TensorStore {
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long PREFIX_BYTES = 8;

    private final String source;
    private final Arena arena;
    private final MemorySegment contents;
    private final long headerLength;
    private final MemorySegment data;
    private final Header header;
    private final Map<String, TensorInfo> byName;

    private SafetensorsFile(String source, Arena arena, MemorySegment contents, long headerLength, Header header) {
        this.source = source;
        this.arena = arena;
        this.contents = contents;
        this.headerLength = headerLength;
        this.data = contents.asSlice(PREFIX_BYTES + headerLength).asReadOnly();
        this.header = header;
        this.byName = new HashMap<>(header.tensorsByName().size() * 2);
        for (TensorInfo t : header.tensorsByName()) {
            byName.put(t.name(), t);
        }
    }

    public static SafetensorsFile open(Path path) {
        return open(path, ReaderOptions.defaults());
    }

    public static SafetensorsFile open(Path path, ReaderOptions options) {
        String source = path.toString();
        if (Files.isDirectory(path)) {
            throw new SafetensorsException(Kind.IO, source, "is a directory, not a safetensors file");
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment contents;
            try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
                long size = channel.size();
                if (size < PREFIX_BYTES) {
                    throw tooSmall(source, size);
                }
                contents = channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            }
            return validate(source, arena, contents, options);
        } catch (NoSuchFileException e) {
            arena.close();
            throw new SafetensorsException(Kind.IO, source, "no such file", e);
        } catch (AccessDeniedException e) {
            arena.close();
            throw new SafetensorsException(Kind.IO, source, "permission denied", e);
        } catch (IOException e) {
            arena.close();
            throw new SafetensorsException(Kind.IO, source, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            if (e instanceof SafetensorsException) {
                throw e;
            }
            // Mapping can fail with unchecked errors on special files; the contract is that only our exception escapes.
            throw new SafetensorsException(Kind.IO, source, "cannot map: " + e, e);
        }
    }

    /**
     * Validates safetensors bytes already in memory (tests, fuzzing, embedded resources). The caller keeps
     * ownership of {@code contents}; closing the returned file does nothing to it.
     */
    public static SafetensorsFile of(MemorySegment contents, String source, ReaderOptions options) {
        if (contents.byteSize() < PREFIX_BYTES) {
            throw tooSmall(source, contents.byteSize());
        }
        return validate(source, null, contents.asReadOnly(), options);
    }

    private static SafetensorsException tooSmall(String source, long size) {
        return new SafetensorsException(Kind.FILE_TOO_SMALL, source, "file has " + size
                + " bytes, fewer than the 8-byte header length prefix");
    }

    /**
     * "not a safetensors file: " when the bytes after the length prefix are not the JSON header's opening brace
     * (a text file, an image, a PyTorch pickle), so that the header-length detail that follows is not taken for a
     * damaged safetensors file; empty when the file does look like one.
     */
    private static String notSafetensors(MemorySegment contents) {
        if (contents.byteSize() > PREFIX_BYTES && contents.get(ValueLayout.JAVA_BYTE, PREFIX_BYTES) == '{') return "";
        return "not a safetensors file (no JSON header after the 8-byte length): ";
    }

    private static SafetensorsFile validate(String source, Arena arena, MemorySegment contents, ReaderOptions options) {
        long size = contents.byteSize();
        long n = contents.get(LE_LONG, 0);
        // The prefix is an unsigned 64-bit number: compare unsigned so that 2^63 and above count as huge.
        if (Long.compareUnsigned(n, options.maxHeaderBytes()) > 0) {
            throw new SafetensorsException(Kind.HEADER_TOO_LARGE, source, notSafetensors(contents) + "header length "
                    + Long.toUnsignedString(n) + " exceeds the limit of " + options.maxHeaderBytes() + " bytes");
        }
        if (n > size - PREFIX_BYTES) {
            throw new SafetensorsException(Kind.HEADER_LENGTH_EXCEEDS_FILE, source, notSafetensors(contents) + "header length " + n
                    + " exceeds the " + (size - PREFIX_BYTES) + " bytes after the length prefix (file size " + size + ")");
        }
        byte[] headerBytes = contents.asSlice(PREFIX_BYTES, n).toArray(ValueLayout.JAVA_BYTE);
        Header header = HeaderParser.parse(headerBytes, size - PREFIX_BYTES - n, source);
        return new SafetensorsFile(source, arena, contents, n, header);
    }

    @Override
    public String source() {
        return source;
    }

    @Override
    public Map<String, String> metadata() {
        return header.metadata();
    }

    @Override
    public List<TensorInfo> tensors() {
        return header.tensorsByName();
    }

    @Override
    public Optional<TensorInfo> find(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    @Override
    public MemorySegment bytes(String name) {
        TensorInfo t = tensor(name);
        return data.asSlice(t.begin(), t.byteSize());
    }

    /** Bytes of JSON header (including any padding). */
    public long headerLength() {
        return headerLength;
    }

    /** Byte offset of the data section in the file: 8 + header length. */
    public long dataStart() {
        return PREFIX_BYTES + headerLength;
    }

    /** Size of the whole file in bytes. */
    public long fileSize() {
        return contents.byteSize();
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }
}
