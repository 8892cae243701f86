package flowscale.runtime.text;

/**
 * The Unicode {@code White_Space} property, which is what Rust's {@code char::is_whitespace} and Oniguruma's
 * {@code \s} test. Java's {@link Character#isWhitespace} differs (it excludes no-break spaces and includes
 * the information separators U+001C..U+001F), so it cannot be used to reproduce Hugging Face's splits.
 */
final class UnicodeWhitespace {
    /** The same set as a regex character-class body. */
    static final String CLASS = "\\t\\n\\x0B\\f\\r\\x20\\x{85}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}";

    private UnicodeWhitespace() {
    }

    static boolean is(int cp) {
        if (cp <= 0x20) return cp == 0x20 || (cp >= 0x09 && cp <= 0x0D);
        if (cp < 0x85) return false;
        return cp == 0x85 || cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A)
                || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
    }

    /**
     * Replaces unpaired surrogates by U+FFFD: a Java string may hold them, the UTF-8 text the reference
     * tokenizers take cannot.
     */
    static String wellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                return replaceLoneSurrogates(s);
            }
        }
        return s;
    }

    private static String replaceLoneSurrogates(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (Character.isSurrogate(c)) {
                b.append('\uFFFD');
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
