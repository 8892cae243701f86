package flowscale.runtime.text;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.Normalizer;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Over random Unicode (see {@link RandomText}): tokenising never throws, the padded forms have the right shape,
 * and decoding gives back the normalised text wherever the algorithm loses nothing: always for CLIP's
 * byte-level BPE (up to whitespace, which its word pattern drops), and for the unigram model whenever no
 * unknown piece was produced. The two readers of the T5 model must agree on every string.
 */
class TokenizerPropertiesTest {
    private static ClipTokenizer clip;
    private static UnigramTokenizer t5Json;
    private static UnigramTokenizer t5Spiece;

    @BeforeContainer
    static void load() {
        try {
            clip = (ClipTokenizer) Tokenizers.load(Goldens.resource("clip-tokenizer"));
            t5Json = (UnigramTokenizer) Tokenizers.load(Goldens.resource("t5-tiny-tokenizer"));
            t5Spiece = (UnigramTokenizer) Tokenizers.load(Goldens.resource("t5-tiny-spiece"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Provide
    Arbitrary<String> text() {
        return RandomText.strings();
    }

    @Property(tries = 10_000)
    void clipDecodesToTheNormalisedText(@ForAll("text") String s) {
        int[] ids = clip.encode(s);
        assertEquals(clip.startId(), ids[0]);
        assertEquals(clip.endId(), ids[ids.length - 1]);
        int[] fitted = clip.encode(s, ClipTokenizer.MAX_LENGTH);
        assertEquals(ClipTokenizer.MAX_LENGTH, fitted.length);
        assertEquals(clip.startId(), fitted[0]);
        assertEquals(clip.endId(), fitted[Math.min(ids.length, ClipTokenizer.MAX_LENGTH) - 1]);

        String normalized = clip.normalize(s);
        // The normalisation is NFC then per-character lower case; whitespace is only collapsed.
        assertEquals(withoutWhitespace(lowerEachCharacter(Normalizer.normalize(UnicodeWhitespace.wellFormed(s), Normalizer.Form.NFC))),
                withoutWhitespace(normalized), "normalisation of " + escape(s));
        if (!s.contains(ClipTokenizer.START) && !s.contains(ClipTokenizer.END)) {
            assertEquals(withoutWhitespace(normalized), withoutWhitespace(clip.decode(ids)), escape(s));
        }
    }

    @Property(tries = 10_000)
    void unigramPiecesSpellTheNormalisedTextUnlessUnknown(@ForAll("text") String s) {
        int[] ids = t5Json.encode(s);
        assertArrayEquals(ids, t5Spiece.encode(s), "tokenizer.json and spiece.model disagree on " + escape(s));
        assertEquals(1, ids[ids.length - 1], "ends with </s>");
        int[] fitted = t5Json.encode(s, 16);
        assertEquals(16, fitted.length);
        assertEquals(1, fitted[Math.min(ids.length, 16) - 1]);
        for (int k = ids.length; k < 16; k++) assertEquals(0, fitted[k]);

        int[] content = Arrays.copyOf(ids, ids.length - 1);
        if (Arrays.stream(content).anyMatch(id -> id == t5Json.unkId())) return;
        StringBuilder pieces = new StringBuilder();
        for (int id : content) pieces.append(t5Json.token(id));
        String expected = metaspaceWords(t5Json.normalize(s));
        assertEquals(expected, pieces.toString(), escape(s));
        String spaced = expected.replace('\u2581', ' ');
        assertEquals(spaced.startsWith(" ") ? spaced.substring(1) : spaced, t5Json.decode(ids));
    }

    /** The normalised text as SentencePiece words: split at whitespace, each word led by one ▁. */
    private static String metaspaceWords(String normalized) {
        StringBuilder b = new StringBuilder();
        for (String w : normalized.split("[" + UnicodeWhitespace.CLASS + "]+")) {
            if (w.isEmpty()) continue;
            b.append(w.charAt(0) == '\u2581' ? "" : "\u2581").append(w.replace(' ', '\u2581'));
        }
        return b.toString();
    }

    private static String lowerEachCharacter(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> b.append(new String(Character.toChars(cp)).toLowerCase(java.util.Locale.ROOT)));
        return b.toString();
    }

    private static String withoutWhitespace(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().filter(cp -> !UnicodeWhitespace.is(cp)).forEach(b::appendCodePoint);
        return b.toString();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(200).forEach(cp -> b.append(cp >= 0x20 && cp < 0x7F ? Character.toString(cp) : String.format("\\u{%X}", cp)));
        return b.toString();
    }
}
