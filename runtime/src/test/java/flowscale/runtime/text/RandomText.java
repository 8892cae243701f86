package flowscale.runtime.text;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Tuple;

/**
 * Random text for the tokenizer properties: fragments drawn from the places tokenizers break (letters of
 * several scripts, digits, punctuation, every kind of Unicode whitespace, control characters, combining marks,
 * ligatures and full-width forms, emoji and other supplementary characters as surrogate pairs, lone
 * surrogates, any BMP character), joined into strings of 0 to 60 fragments, with one string in fifty
 * repeated up to 400 times (tens of thousands of characters).
 */
final class RandomText {
    private RandomText() {
    }

    static Arbitrary<String> strings() {
        Arbitrary<String> text = fragment().list().ofMaxSize(60).map(l -> String.join("", l));
        return Arbitraries.frequencyOf(
                Tuple.of(49, text),
                Tuple.of(1, net.jqwik.api.Combinators.combine(text, Arbitraries.integers().between(20, 400))
                        .as((s, n) -> s.repeat(n))));
    }

    private static Arbitrary<String> fragment() {
        return Arbitraries.frequencyOf(
                Tuple.of(20, Arbitraries.strings().withCharRange('a', 'z').withCharRange('A', 'Z').ofMinLength(1).ofMaxLength(12)),
                Tuple.of(6, Arbitraries.of("a photo of ", "an astronaut", " riding ", "café", "naïve", "it's", "WE'LL",
                        "ＦＵＬＬ", "ﬁ", "ﬀ", "İstanbul", "ΣΟΦΙΑ", "straße", "Ünïcödé", "\"FLUX\"", "4k!", "日本語", "🚀", "👩‍👩‍👧",
                        "🇩🇪", "e\u0301", "Å", "ｶﾞ", "①", "½", "\u00AD", "\u200B", "\uFEFF", "<|endoftext|>", "▁x")),
                Tuple.of(6, codePoints(0x30, 0x39)),
                Tuple.of(6, codePoints(0x21, 0x2F)),
                Tuple.of(8, Arbitraries.of(" ", "  ", "\t", "\n", "\r\n", "\u000B", "\f", "\u0085", "\u00A0", "\u1680",
                        "\u2002", "\u2009", "\u200A", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000", "\u001C", "\u001F")),
                Tuple.of(5, codePoints(0x00, 0x1F)),
                Tuple.of(2, codePoints(0x7F, 0x9F)),
                Tuple.of(6, codePoints(0x300, 0x36F)),
                Tuple.of(5, codePoints(0xFF01, 0xFF5E)),
                Tuple.of(3, codePoints(0xFB00, 0xFB06)),
                Tuple.of(5, codePoints(0x1F300, 0x1FAFF)),
                Tuple.of(4, codePoints(0x10000, 0x10FFFF)),
                Tuple.of(4, codePoints(0x4E00, 0x9FFF)),
                Tuple.of(3, codePoints(0xAC00, 0xD7A3)),
                Tuple.of(2, Arbitraries.chars().range('\uD800', '\uDFFF').map(String::valueOf)),
                Tuple.of(6, Arbitraries.chars().all().map(String::valueOf)));
    }

    private static Arbitrary<String> codePoints(int from, int to) {
        return Arbitraries.integers().between(from, to).map(Character::toString);
    }
}
