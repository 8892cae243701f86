package flowscale.loader;

/**
 * Everything that can go wrong reading a safetensors file or a sharded checkpoint. The message is one line
 * that starts with the file it is about, then names the tensor and the numbers involved.
 */
public final class SafetensorsException extends RuntimeException {

    /** One constant per distinct failure, so callers and tests can tell them apart without parsing messages. */
    public enum Kind {
        /** The file could not be opened, sized or mapped (missing, unreadable, a directory, ...). */
        IO,
        /** Fewer than the 8 bytes of the header length prefix. */
        FILE_TOO_SMALL,
        /** The header length prefix exceeds the configured cap. */
        HEADER_TOO_LARGE,
        /** The header length prefix points past the end of the file. */
        HEADER_LENGTH_EXCEEDS_FILE,
        /** The header bytes are not valid UTF-8. */
        HEADER_NOT_UTF8,
        /** The header is not well-formed JSON (includes an empty header and trailing garbage). */
        HEADER_NOT_JSON,
        /** The header is JSON but not an object, or does not start with '{'. */
        HEADER_NOT_OBJECT,
        /** A key appears twice in the same JSON object. */
        DUPLICATE_KEY,
        /** {@code __metadata__} is present but is neither an object nor null. */
        METADATA_NOT_OBJECT,
        /** A {@code __metadata__} value is not a string. */
        METADATA_VALUE_NOT_STRING,
        /** A tensor entry is not a JSON object. */
        TENSOR_NOT_OBJECT,
        /** A tensor entry has a field other than dtype, shape and data_offsets. */
        UNKNOWN_FIELD,
        /** A tensor entry lacks dtype, shape or data_offsets. */
        MISSING_FIELD,
        /** The dtype is not a string naming a known type. */
        UNKNOWN_DTYPE,
        /** The shape is not an array of non-negative integers that fit in a long. */
        BAD_SHAPE,
        /** data_offsets is not [begin, end] with non-negative integers and begin <= end. */
        BAD_OFFSETS,
        /** Element count or byte size overflows a 64-bit integer. */
        SIZE_OVERFLOW,
        /** end - begin differs from element count times element size. */
        SIZE_MISMATCH,
        /** The lowest data offset is not 0: the data section starts with unused bytes. */
        DATA_NOT_AT_START,
        /** Unused bytes between two tensors. */
        GAP,
        /** Two tensors share bytes. */
        OVERLAP,
        /** Bytes after the last tensor at the end of the file. */
        TRAILING_DATA,
        /** The tensors need more bytes than the file's data section has. */
        DATA_SHORT,
        /** No tensor of that name. */
        TENSOR_NOT_FOUND,
        /** The tensor's dtype cannot be read as float32. */
        UNSUPPORTED_DTYPE,
        /** The tensor has more elements than a Java array can hold. */
        TOO_LARGE_FOR_ARRAY,
        /** The shard index is not the expected JSON ({"metadata": {...}, "weight_map": {...}}). */
        SHARD_INDEX_INVALID,
        /** A shard path is absolute, contains '..' or resolves (through symlinks) outside the index's directory. */
        SHARD_PATH_ESCAPE,
        /** The weight map names a tensor its shard does not contain. */
        SHARD_TENSOR_MISSING,
        /** A shard contains a tensor the weight map does not assign to it. */
        SHARD_TENSOR_UNLISTED
    }

    private final Kind kind;
    private final String source;

    public SafetensorsException(Kind kind, String source, String detail) {
        this(kind, source, detail, null);
    }

    public SafetensorsException(Kind kind, String source, String detail, Throwable cause) {
        // Names and parser messages can hold line breaks; the message is promised to be one line.
        super((source + ": " + detail).replaceAll("\\R", " "), cause);
        this.kind = kind;
        this.source = source;
    }

    public Kind kind() {
        return kind;
    }

    /** The file (or in-memory source name) the failure is about. */
    public String source() {
        return source;
    }
}
