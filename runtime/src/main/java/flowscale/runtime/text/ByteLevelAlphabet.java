package flowscale.runtime.text;

/**
 * GPT-2's reversible map from the 256 byte values to printable characters, which byte-level BPE vocabularies
 * (CLIP's among them) are written in: printable Latin-1 bytes stand for themselves, the other 68 (controls,
 * space, soft hyphen, ...) are moved to U+0100 and up in byte order, so every vocabulary entry is visible text
 * and no byte is lost.
 */
final class ByteLevelAlphabet {
    private static final char[] CHAR_OF_BYTE = new char[256];
    private static final int[] BYTE_OF_CHAR = new int[0x200];

    static {
        java.util.Arrays.fill(BYTE_OF_CHAR, -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    static char charOf(int unsignedByte) {
        return CHAR_OF_BYTE[unsignedByte];
    }

    /** The byte a character of the alphabet stands for, or -1 when it is not one. */
    static int byteOf(char c) {
        return c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
    }
}
