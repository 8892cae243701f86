package flowscale.loader;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import flowscale.loader.SafetensorsException.Kind;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Validates a safetensors header in one pass over its bytes, with the checks of the reference (Rust) reader:
 * UTF-8, a JSON object that starts with '{', string-to-string {@code __metadata__}, entries with exactly
 * dtype / shape / data_offsets, known dtypes, non-negative integer shapes and offsets, overflow-checked sizes
 * that match the offsets, and offsets that tile the data section exactly (from 0, no gap, no overlap, no rest).
 *
 * <p>The JSON is read as a token stream, never as a tree: each token is checked as it arrives, and any
 * structure the format does not allow (a nested array in a shape, an object as a metadata value) is rejected
 * at its first token, so depth and memory stay bounded by the header's size.
 */
final class HeaderParser {
    static final String METADATA_KEY = "__metadata__";

    private static final JsonFactory JSON = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            // Tensor names are unique per file: interning or caching them as symbols only costs time and
            // keeps every name ever read alive in the JVM-wide intern table.
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            // The header cap already bounds every name and string; Jackson's own smaller defaults (50,000
            // characters for a name) would reject files the reference reader accepts.
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNameLength(Integer.MAX_VALUE)
                    .maxStringLength(Integer.MAX_VALUE)
                    .build())
            .build();

    private final String source;
    private final long dataLength;

    private HeaderParser(String source, long dataLength) {
        this.source = source;
        this.dataLength = dataLength;
    }

    /**
     * Validates {@code header} (the bytes after the length prefix) against a data section of
     * {@code dataLength} bytes.
     */
    static Header parse(byte[] header, long dataLength, String source) {
        return new HeaderParser(source, dataLength).run(header);
    }

    private Header run(byte[] header) {
        requireUtf8(header);
        if (header.length == 0) {
            throw fail(Kind.HEADER_NOT_JSON, "header is empty (length prefix is 0)");
        }
        if (header[0] != '{') {
            throw fail(Kind.HEADER_NOT_OBJECT, "header must start with '{' but starts with byte 0x"
                    + Integer.toHexString(header[0] & 0xff));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        TreeMap<String, TensorInfo> tensors = new TreeMap<>();
        try (JsonParser p = JSON.createParser(header)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw fail(Kind.HEADER_NOT_OBJECT, "header is not a JSON object");
            }
            for (JsonToken t = next(p); t != JsonToken.END_OBJECT; t = next(p)) {
                String name = p.currentName();
                if (METADATA_KEY.equals(name)) {
                    readMetadata(p, metadata);
                } else {
                    tensors.put(name, readEntry(p, name));
                }
            }
            if (p.nextToken() != null) {
                throw fail(Kind.HEADER_NOT_JSON, "unexpected content after the header object at "
                        + position(p.currentTokenLocation()));
            }
        } catch (JsonParseException e) {
            if (e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")) {
                throw fail(Kind.DUPLICATE_KEY, e.getOriginalMessage() + " at " + position(e.getLocation()), e);
            }
            throw fail(Kind.HEADER_NOT_JSON, "header is not valid JSON: " + e.getOriginalMessage()
                    + " at " + position(e.getLocation()), e);
        } catch (JsonProcessingException e) {
            throw fail(Kind.HEADER_NOT_JSON, "header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw fail(Kind.HEADER_NOT_JSON, "header could not be read as JSON: " + e.getMessage(), e);
        }
        checkTiling(tensors.values());
        return new Header(metadata, new ArrayList<>(tensors.values()));
    }

    /** The next token; the end of input inside the header object is malformed JSON, never a silent stop. */
    private JsonToken next(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw fail(Kind.HEADER_NOT_JSON, "header JSON ends before its closing '}'");
        }
        return t;
    }

    /** Where in the header a problem is, for messages (the parser counts characters, the file bytes). */
    private static String position(JsonLocation location) {
        if (location == null) {
            return "an unknown position";
        }
        long bytes = location.getByteOffset();
        return bytes >= 0 ? "header byte " + bytes : "header character " + location.getCharOffset();
    }

    private void requireUtf8(byte[] header) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(header);
        // Decode in small chunks: validation must not allocate a char copy of a 100 MB header.
        CharBuffer out = CharBuffer.allocate(8192);
        while (true) {
            CoderResult r = decoder.decode(in, out, true);
            if (r.isError()) {
                throw fail(Kind.HEADER_NOT_UTF8, "header is not valid UTF-8 at byte " + in.position());
            }
            if (r.isUnderflow()) {
                break;
            }
            out.clear();
        }
        if (decoder.flush(out.clear()).isError()) {
            throw fail(Kind.HEADER_NOT_UTF8, "header ends inside a UTF-8 sequence");
        }
    }

    private void readMetadata(JsonParser p, Map<String, String> metadata) throws IOException {
        JsonToken t = next(p);
        if (t == JsonToken.VALUE_NULL) {
            return; // the reference reader treats a null __metadata__ as absent
        }
        if (t != JsonToken.START_OBJECT) {
            throw fail(Kind.METADATA_NOT_OBJECT, METADATA_KEY + " must be an object of strings, found " + describe(t));
        }
        for (t = next(p); t != JsonToken.END_OBJECT; t = next(p)) {
            String key = p.currentName();
            JsonToken v = next(p);
            if (v != JsonToken.VALUE_STRING) {
                throw fail(Kind.METADATA_VALUE_NOT_STRING, METADATA_KEY + " value for '" + key
                        + "' must be a string, found " + describe(v));
            }
            metadata.put(key, p.getText());
        }
    }

    private TensorInfo readEntry(JsonParser p, String name) throws IOException {
        JsonToken t = next(p);
        if (t != JsonToken.START_OBJECT) {
            throw fail(Kind.TENSOR_NOT_OBJECT, "tensor '" + name + "': entry must be an object, found " + describe(t));
        }
        DType dtype = null;
        long[] shape = null;
        long[] offsets = null;
        for (t = next(p); t != JsonToken.END_OBJECT; t = next(p)) {
            String field = p.currentName();
            switch (field) {
                case "dtype" -> dtype = readDtype(p, name);
                case "shape" -> shape = readShape(p, name);
                case "data_offsets" -> offsets = readOffsets(p, name);
                default -> throw fail(Kind.UNKNOWN_FIELD, "tensor '" + name + "': unknown field '" + field
                        + "' (allowed: dtype, shape, data_offsets)");
            }
        }
        if (dtype == null || shape == null || offsets == null) {
            String missing = dtype == null ? "dtype" : shape == null ? "shape" : "data_offsets";
            throw fail(Kind.MISSING_FIELD, "tensor '" + name + "': missing field '" + missing + "'");
        }
        long begin = offsets[0];
        long end = offsets[1];
        long bytes;
        try {
            long count = 1;
            for (long d : shape) {
                count = Math.multiplyExact(count, d);
            }
            bytes = Math.multiplyExact(count, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw fail(Kind.SIZE_OVERFLOW, "tensor '" + name + "': size of shape " + Arrays.toString(shape)
                    + " x " + dtype.byteSize() + " bytes overflows 64 bits");
        }
        if (end - begin != bytes) {
            throw fail(Kind.SIZE_MISMATCH, "tensor '" + name + "': " + dtype.safetensorsName() + Arrays.toString(shape)
                    + " needs " + bytes + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private DType readDtype(JsonParser p, String name) throws IOException {
        JsonToken t = next(p);
        if (t != JsonToken.VALUE_STRING) {
            throw fail(Kind.UNKNOWN_DTYPE, "tensor '" + name + "': dtype must be a string, found " + describe(t));
        }
        String text = p.getText();
        return DType.fromSafetensorsName(text).orElseThrow(() -> fail(Kind.UNKNOWN_DTYPE,
                "tensor '" + name + "': unknown dtype '" + text + "'"));
    }

    private long[] readShape(JsonParser p, String name) throws IOException {
        JsonToken t = next(p);
        if (t != JsonToken.START_ARRAY) {
            throw fail(Kind.BAD_SHAPE, "tensor '" + name + "': shape must be an array, found " + describe(t));
        }
        long[] dims = new long[4];
        int rank = 0;
        for (t = next(p); t != JsonToken.END_ARRAY; t = next(p)) {
            long d = readNonNegativeLong(p, t);
            if (d < 0) {
                throw fail(Kind.BAD_SHAPE, "tensor '" + name + "': shape dimension " + rank
                        + " must be a non-negative integer below 2^63, found " + describeValue(p, t));
            }
            if (rank == dims.length) {
                dims = Arrays.copyOf(dims, rank * 2);
            }
            dims[rank++] = d;
        }
        return Arrays.copyOf(dims, rank);
    }

    private long[] readOffsets(JsonParser p, String name) throws IOException {
        JsonToken t = next(p);
        if (t != JsonToken.START_ARRAY) {
            throw fail(Kind.BAD_OFFSETS, "tensor '" + name + "': data_offsets must be [begin, end], found " + describe(t));
        }
        long[] offsets = new long[2];
        int n = 0;
        for (t = next(p); t != JsonToken.END_ARRAY; t = next(p)) {
            if (n == 2) {
                throw fail(Kind.BAD_OFFSETS, "tensor '" + name + "': data_offsets has more than two numbers");
            }
            long v = readNonNegativeLong(p, t);
            if (v < 0) {
                throw fail(Kind.BAD_OFFSETS, "tensor '" + name + "': data_offsets must hold non-negative integers"
                        + " below 2^63, found " + describeValue(p, t));
            }
            offsets[n++] = v;
        }
        if (n != 2) {
            throw fail(Kind.BAD_OFFSETS, "tensor '" + name + "': data_offsets must have two numbers, has " + n);
        }
        if (offsets[0] > offsets[1]) {
            throw fail(Kind.BAD_OFFSETS, "tensor '" + name + "': data_offsets begin " + offsets[0]
                    + " is after end " + offsets[1]);
        }
        return offsets;
    }

    /** The integer at the current token, or -1 if it is not a non-negative integer that fits in a long. */
    private static long readNonNegativeLong(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            return -1;
        }
        JsonParser.NumberType type = p.getNumberType();
        if (type != JsonParser.NumberType.INT && type != JsonParser.NumberType.LONG) {
            return -1;
        }
        return p.getLongValue();
    }

    /**
     * Sorted by begin, the byte ranges must start at 0 and follow each other with neither gap nor overlap up to
     * the end of the data section: every data byte belongs to exactly one tensor.
     */
    private void checkTiling(Collection<TensorInfo> tensors) {
        TensorInfo[] byOffset = tensors.toArray(new TensorInfo[0]);
        Arrays.sort(byOffset, Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() > expected) {
                if (previous == null) {
                    throw fail(Kind.DATA_NOT_AT_START, "tensor '" + t.name() + "': first tensor starts at data offset "
                            + t.begin() + ", not 0");
                }
                throw fail(Kind.GAP, "gap of " + (t.begin() - expected) + " bytes between tensor '" + previous.name()
                        + "' (ends at " + expected + ") and tensor '" + t.name() + "' (starts at " + t.begin() + ")");
            }
            if (t.begin() < expected) {
                throw fail(Kind.OVERLAP, "tensor '" + t.name() + "' [" + t.begin() + ", " + t.end()
                        + ") overlaps tensor '" + previous.name() + "' [" + previous.begin() + ", " + previous.end() + ")");
            }
            expected = t.end();
            previous = t;
        }
        if (expected > dataLength) {
            throw fail(Kind.DATA_SHORT, "tensor '" + previous.name() + "' ends at data offset " + expected
                    + " but the data section has only " + dataLength + " bytes");
        }
        if (expected < dataLength) {
            throw fail(Kind.TRAILING_DATA, dataLength - expected + " bytes after the last tensor"
                    + (previous == null ? "" : " '" + previous.name() + "'") + " (tensors end at data offset "
                    + expected + ", data section has " + dataLength + " bytes)");
        }
    }

    private static String describe(JsonToken t) {
        if (t == null) {
            return "end of input";
        }
        return switch (t) {
            case START_OBJECT -> "an object";
            case START_ARRAY -> "an array";
            case VALUE_STRING -> "a string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "a number";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            default -> t.toString();
        };
    }

    private static String describeValue(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
            String text = p.getText();
            return text.length() > 40 ? text.substring(0, 40) + "..." : text;
        }
        return describe(t);
    }

    private SafetensorsException fail(Kind kind, String detail) {
        return new SafetensorsException(kind, source, detail);
    }

    private SafetensorsException fail(Kind kind, String detail, Throwable cause) {
        return new SafetensorsException(kind, source, detail, cause);
    }
}
