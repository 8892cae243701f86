package flowscale.runtime.text;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The corners of Hugging Face's semantics that the golden prompts do not reach. */
class TokenizerSemanticsTest {
    private static ClipTokenizer clip;
    private static UnigramTokenizer t5;

    @BeforeAll
    static void load() throws Exception {
        clip = (ClipTokenizer) Tokenizers.load(Goldens.resource("clip-tokenizer"));
        t5 = (UnigramTokenizer) Tokenizers.load(Goldens.resource("t5-tiny-tokenizer"));
    }

    @Test
    void clipKeepsTypedSpecialTokensWholeButOnlyInTheirExactSpelling() {
        int[] ids = clip.encode("a <|endoftext|> cat");
        assertArrayEquals(new int[] {49406, 320, 49407, 2368, 49407}, ids);
        int[] variant = clip.encode("<|EndOfText|>");
        assertTrue(variant.length > 3, "a variant spelling is ordinary text: " + Arrays.toString(variant));
        assertEquals("<| endoftext |>", clip.decode(variant));
    }

    @Test
    void clipLowerCasesCharacterByCharacter() {
        // Per character: the capital sigma at a word end is σ, not ς; U+0130 becomes i + combining dot.
        assertEquals("σασ", clip.decode(clip.encode("ΣΑΣ")));
        assertEquals("i\u0307stanbul", clip.normalize("İstanbul"));
        // Accents are kept, the ligature is not decomposed (NFC, not NFKC).
        assertEquals("café ﬁ", clip.decode(clip.encode("CAFÉ ﬁ")));
    }

    @Test
    void clipTruncationKeepsTheEndTokenAndPadsWithIt() {
        String longPrompt = IntStream.range(0, 100).mapToObj(i -> "cat").collect(Collectors.joining(" "));
        int[] all = clip.encode(longPrompt);
        assertEquals(102, all.length);
        int[] fitted = clip.encode(longPrompt, 77);
        assertEquals(77, fitted.length);
        assertEquals(49406, fitted[0]);
        assertEquals(49407, fitted[76]);
        assertArrayEquals(Arrays.copyOfRange(all, 1, 76), Arrays.copyOfRange(fitted, 1, 76));
        int[] shortOne = clip.encode("cat", 77);
        assertArrayEquals(new int[] {49406, 2368, 49407, 49407}, Arrays.copyOf(shortOne, 4));
        assertEquals(49407, shortOne[76]);
    }

    @Test
    void clipSplitsDigitsAndContractions() {
        assertEquals("it 's 1 2 3 !!", clip.decode(clip.encode("It's 123!!")));
    }

    @Test
    void t5FusesRunsOfUnknownCharactersIntoOneUnk() {
        // ';' and 'X' are not in the tiny vocabulary; a run of them is one <unk>, as in both references.
        int[] ids = t5.encode("a ;X; a");
        assertArrayEquals(new int[] {17, 3, 2, 17, 1}, ids, Arrays.toString(ids));
    }

    @Test
    void t5KeepsTypedSpecialTokensWhole() {
        int[] ids = t5.encode("a</s>a");
        assertArrayEquals(new int[] {17, 1, 17, 1}, ids, Arrays.toString(ids));
    }

    @Test
    void t5TruncationKeepsTheEndTokenAndPadsWithZero() {
        int[] fitted = t5.encode("a a a a a a a a a a a a a a a a a a a a", 8);
        assertArrayEquals(new int[] {17, 17, 17, 17, 17, 17, 17, 1}, fitted);
        assertArrayEquals(new int[] {17, 1, 0, 0}, t5.encode("a", 4));
        assertThrows(IllegalArgumentException.class, () -> t5.encode("a", 0));
    }

    @Test
    void byteFallbackSpellsUnknownTextAsItsUtf8Bytes(@TempDir Path dir) throws Exception {
        StringBuilder vocab = new StringBuilder("[[\"<pad>\", 0.0], [\"</s>\", 0.0], [\"<unk>\", 0.0], [\"\u2581\", -1.0], [\"a\", -2.0]");
        for (int b = 0; b < 256; b++) vocab.append(String.format(", [\"<0x%02X>\", -5.0]", b));
        vocab.append("]");
        String json = """
                {"added_tokens": [], "normalizer": null,
                 "pre_tokenizer": {"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "always", "split": true},
                 "post_processor": null,
                 "model": {"type": "Unigram", "unk_id": 2, "byte_fallback": %s, "vocab": %s}}""";
        Files.writeString(dir.resolve("tokenizer.json"), json.formatted("true", vocab));
        Tokenizer withBytes = Tokenizers.load(dir);
        // "é" is C3 A9: ids 5 + 0xC3 and 5 + 0xA9; the run "é!" is one unknown span spelt byte by byte.
        assertArrayEquals(new int[] {3, 4, 5 + 0xC3, 5 + 0xA9, 5 + '!'}, withBytes.encode("aé!"));
        assertEquals("aé!", withBytes.decode(withBytes.encode("aé!")));
        Files.writeString(dir.resolve("tokenizer.json"), json.formatted("false", vocab));
        assertArrayEquals(new int[] {3, 4, 2}, Tokenizers.load(dir).encode("aé!"));
    }

    @Test
    void anUnsupportedNormaliserIsRefusedByName(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"normalizer": {"type": "BertNormalizer"}, "pre_tokenizer": {"type": "Metaspace"},
                 "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]}}""");
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizers.load(dir));
        assertTrue(e.getMessage().contains("normaliser BertNormalizer is not supported"), e.getMessage());
    }
}
