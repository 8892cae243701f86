package flowscale.runtime.text;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.text.BreakIterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * SentencePiece's compiled normalisation rules ({@code precompiled_charsmap}, e.g. {@code nmt_nfkc}: NFKC plus
 * removal of control characters and mapping of odd spaces to U+0020), applied as Hugging Face's
 * {@code Precompiled} normaliser applies them.
 *
 * <p>Layout: a little-endian uint32 with the byte size of the trie, the trie as little-endian uint32 units of a
 * darts-clone double array over UTF-8 bytes, then the replacement strings, each ended by a NUL; a key's value
 * is the offset of its replacement in that blob. Unit bits: 0..7 the label, 8 "has a leaf", 9 selects a
 * shift of 8 for the offset stored in bits 10..31, 31 marks a value unit whose low 31 bits are the value.
 *
 * <p>Hugging Face walks the text by extended grapheme cluster: a cluster shorter than 6 UTF-8 bytes whose
 * bytes begin with a key is replaced as a whole by the value of the <em>shortest</em> such key; otherwise each
 * character is looked up alone. (SentencePiece itself takes the longest key at each byte position and splits
 * words only at the spaces its map produces; on 80 of the 520 random strings of the reference test its ids
 * differ from Hugging Face's. FLUX tokenizes through transformers, so both of flowscale's readers, tokenizer.json
 * and spiece.model, follow Hugging Face and give identical ids.)
 */
final class PrecompiledCharsMap {
    private static final int SHORT_CLUSTER_BYTES = 6;

    private final int[] units;
    private final byte[] replacements;
    private final Map<Integer, String> decoded = new ConcurrentHashMap<>();

    PrecompiledCharsMap(byte[] blob) {
        if (blob.length < 4) throw new TokenizerException("precompiled_charsmap is shorter than its 4-byte header");
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.LITTLE_ENDIAN);
        long trieBytes = Integer.toUnsignedLong(b.getInt());
        if (trieBytes % 4 != 0 || trieBytes == 0 || trieBytes > blob.length - 4) {
            throw new TokenizerException("precompiled_charsmap: trie size " + trieBytes + " does not fit the "
                    + blob.length + "-byte blob");
        }
        units = new int[(int) (trieBytes / 4)];
        for (int i = 0; i < units.length; i++) units[i] = b.getInt();
        replacements = new byte[blob.length - 4 - (int) trieBytes];
        b.get(replacements);
    }

    String normalize(String text) {
        if (text.isEmpty()) return text;
        StringBuilder out = new StringBuilder(text.length());
        BreakIterator clusters = BreakIterator.getCharacterInstance(Locale.ROOT);
        clusters.setText(text);
        int start = clusters.first();
        for (int end = clusters.next(); end != BreakIterator.DONE; start = end, end = clusters.next()) {
            String cluster = text.substring(start, end);
            byte[] utf8 = cluster.getBytes(StandardCharsets.UTF_8);
            if (utf8.length < SHORT_CLUSTER_BYTES) {
                String whole = shortestMatch(utf8);
                if (whole != null) {
                    out.append(whole);
                    continue;
                }
            }
            for (int i = 0; i < cluster.length(); ) {
                int cp = cluster.codePointAt(i);
                String one = new String(Character.toChars(cp));
                String mapped = shortestMatch(one.getBytes(StandardCharsets.UTF_8));
                out.append(mapped != null ? mapped : one);
                i += Character.charCount(cp);
            }
        }
        return out.toString();
    }

    /** The replacement of the shortest key that {@code key} starts with, or null when none does. */
    private String shortestMatch(byte[] key) {
        int pos = 0;
        if (units.length == 0) return null;
        pos ^= offset(units[0]);
        for (byte kb : key) {
            int c = kb & 0xFF;
            if (c == 0) return null;
            pos ^= c;
            if (pos < 0 || pos >= units.length) return null;
            int unit = units[pos];
            if (label(unit) != c) return null;
            pos ^= offset(unit);
            if (pos < 0 || pos >= units.length) return null;
            if (hasLeaf(unit)) return replacementAt(units[pos] & 0x7FFFFFFF);
        }
        return null;
    }

    private String replacementAt(int offset) {
        return decoded.computeIfAbsent(offset, o -> {
            if (o >= replacements.length) {
                throw new TokenizerException("precompiled_charsmap: replacement offset " + o + " is past the end");
            }
            int end = o;
            while (end < replacements.length && replacements[end] != 0) end++;
            return new String(replacements, o, end - o, StandardCharsets.UTF_8);
        });
    }

    private static boolean hasLeaf(int unit) {
        return ((unit >>> 8) & 1) == 1;
    }

    private static int label(int unit) {
        return unit & (0x80000000 | 0xFF);
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }
}
