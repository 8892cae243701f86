package flowscale.runtime.text;

import java.nio.charset.StandardCharsets;

/**
 * Just enough of the protobuf wire format to read a SentencePiece model: a cursor over one message's bytes
 * that yields (field number, wire type) tags and their values. Varints are little-endian base-128; wire type
 * 0 is a varint, 1 eight bytes, 2 a varint length then that many bytes, 5 four bytes. Groups (3, 4) are
 * obsolete and refused. Every read is bounds-checked, so a truncated file is an error, not garbage.
 */
final class ProtobufReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    private final byte[] data;
    private int pos;
    private final int end;

    ProtobufReader(byte[] data) {
        this(data, 0, data.length);
    }

    private ProtobufReader(byte[] data, int from, int to) {
        this.data = data;
        this.pos = from;
        this.end = to;
    }

    boolean hasMore() {
        return pos < end;
    }

    /** The next tag: field number shifted left by 3, or'ed with the wire type. */
    int tag() {
        long tag = varint();
        if (tag <= 0 || tag > Integer.MAX_VALUE || (tag >>> 3) == 0) throw malformed("bad field tag " + tag);
        return (int) tag;
    }

    long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) throw malformed("truncated varint");
            byte b = data[pos++];
            value |= (long) (b & 0x7F) << shift;
            if (b >= 0) return value;
        }
        throw malformed("varint longer than 10 bytes");
    }

    float fixed32Float() {
        need(4);
        int bits = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16 | (data[pos + 3] & 0xFF) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    /** A length-delimited field as a reader over its bytes. */
    ProtobufReader message() {
        int length = length();
        ProtobufReader inner = new ProtobufReader(data, pos, pos + length);
        pos += length;
        return inner;
    }

    byte[] bytes() {
        int length = length();
        byte[] out = java.util.Arrays.copyOfRange(data, pos, pos + length);
        pos += length;
        return out;
    }

    String string() {
        int length = length();
        String s = new String(data, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    void skip(int wireType) {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> { need(8); pos += 8; }
            case LENGTH_DELIMITED -> {
                int n = length(); // read first: 'pos += length()' would add to the position before the length
                pos += n;
            }
            case FIXED32 -> { need(4); pos += 4; }
            default -> throw malformed("unsupported wire type " + wireType);
        }
    }

    /** Checks that a field has the wire type its schema gives it. */
    static void expect(int tag, int wireType) {
        if ((tag & 7) != wireType) {
            throw new TokenizerException("malformed protobuf: field " + (tag >>> 3) + " has wire type " + (tag & 7)
                    + ", expected " + wireType);
        }
    }

    private int length() {
        long length = varint();
        if (length < 0 || length > end - pos) throw malformed("length " + length + " runs past the end");
        return (int) length;
    }

    private void need(int n) {
        if (end - pos < n) throw malformed("truncated fixed-width field");
    }

    private TokenizerException malformed(String why) {
        return new TokenizerException("malformed protobuf at byte " + pos + ": " + why);
    }
}
