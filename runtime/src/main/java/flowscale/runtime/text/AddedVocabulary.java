package flowscale.runtime.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The tokens a user may type literally ({@code </s>}, {@code <|endoftext|>}, {@code <extra_id_0>}) and that must
 * become their one id instead of being segmented: Hugging Face's added vocabulary. Tokens marked
 * {@code normalized: false} (all special tokens of CLIP and T5) are found in the raw text before normalisation,
 * the others in the normalised text (in their normalised spelling). Matching is leftmost first and, among
 * matches starting at the same place, longest first. {@code single_word} drops a match that touches a word
 * character on either side; {@code lstrip}/{@code rstrip} let the token swallow the whitespace before/after it.
 */
final class AddedVocabulary {
    /** One entry of tokenizer.json's {@code added_tokens}. */
    record AddedToken(String content, int id, boolean lstrip, boolean rstrip, boolean singleWord, boolean normalized) {
        static AddedToken plain(String content, int id) {
            return new AddedToken(content, id, false, false, false, false);
        }
    }

    /** One stretch of the input: ordinary text ({@code id < 0}) or an added token. */
    record Segment(String text, int id) {
        boolean isToken() {
            return id >= 0;
        }
    }

    private static final Pattern WORD_CHAR = Pattern.compile("[\\p{Alpha}\\p{M}\\p{Nd}\\p{Pc}\\x{200C}\\x{200D}]",
            Pattern.UNICODE_CHARACTER_CLASS);

    private final List<AddedToken> tokens;
    private final Matcher raw;
    private final Matcher normalized;

    AddedVocabulary(List<AddedToken> tokens, TextNormalizer normalizer) {
        this.tokens = List.copyOf(tokens);
        Map<String, AddedToken> rawTokens = new HashMap<>();
        Map<String, AddedToken> normalizedTokens = new HashMap<>();
        for (AddedToken t : this.tokens) {
            if (t.content().isEmpty()) continue;
            if (t.normalized()) normalizedTokens.putIfAbsent(normalizer.apply(t.content()), t);
            else rawTokens.putIfAbsent(t.content(), t);
        }
        this.raw = new Matcher(rawTokens);
        this.normalized = new Matcher(normalizedTokens);
    }

    static AddedVocabulary of(Map<String, Integer> specials) {
        List<AddedToken> list = new ArrayList<>();
        specials.forEach((content, id) -> list.add(AddedToken.plain(content, id)));
        return new AddedVocabulary(list, TextNormalizer.identity());
    }

    List<AddedToken> tokens() {
        return tokens;
    }

    boolean contains(int id) {
        for (AddedToken t : tokens) if (t.id() == id) return true;
        return false;
    }

    /** Splits the raw text at the tokens matched before normalisation. */
    List<Segment> splitRaw(String text) {
        return raw.split(text);
    }

    /** Splits one normalised stretch at the tokens matched after normalisation. */
    List<Segment> splitNormalized(String text) {
        return normalized.split(text);
    }

    /** Leftmost-longest matching of a fixed set of strings, with Hugging Face's per-token flags. */
    private static final class Matcher {
        /** Tokens by their first character, longest first. */
        private final Map<Character, List<Map.Entry<String, AddedToken>>> byFirstChar = new HashMap<>();

        Matcher(Map<String, AddedToken> tokens) {
            for (Map.Entry<String, AddedToken> e : tokens.entrySet()) {
                if (e.getKey().isEmpty()) continue;
                byFirstChar.computeIfAbsent(e.getKey().charAt(0), k -> new ArrayList<>()).add(e);
            }
            byFirstChar.values().forEach(l -> l.sort((a, b) -> Integer.compare(b.getKey().length(), a.getKey().length())));
        }

        List<Segment> split(String text) {
            List<Segment> out = new ArrayList<>();
            int done = 0;
            int i = 0;
            while (i < text.length()) {
                Map.Entry<String, AddedToken> m = longestAt(text, i);
                if (m == null) {
                    i++;
                    continue;
                }
                AddedToken t = m.getValue();
                int start = i;
                int stop = i + m.getKey().length();
                if (t.singleWord() && (touchesWordBefore(text, start) || touchesWordAfter(text, stop))) {
                    i = stop; // a discarded match still consumes its text, as the reference's match iterator does
                    continue;
                }
                if (t.lstrip()) {
                    while (start > done && UnicodeWhitespace.is(text.codePointBefore(start))) start -= Character.charCount(text.codePointBefore(start));
                }
                if (t.rstrip()) {
                    while (stop < text.length() && UnicodeWhitespace.is(text.codePointAt(stop))) stop += Character.charCount(text.codePointAt(stop));
                }
                if (start > done) out.add(new Segment(text.substring(done, start), -1));
                out.add(new Segment(text.substring(start, stop), t.id()));
                done = stop;
                i = stop;
            }
            if (done < text.length() || out.isEmpty()) out.add(new Segment(text.substring(done), -1));
            return out;
        }

        private Map.Entry<String, AddedToken> longestAt(String text, int i) {
            List<Map.Entry<String, AddedToken>> candidates = byFirstChar.get(text.charAt(i));
            if (candidates == null) return null;
            for (Map.Entry<String, AddedToken> e : candidates) {
                if (text.startsWith(e.getKey(), i)) return e;
            }
            return null;
        }

        private static boolean touchesWordBefore(String text, int start) {
            return start > 0 && isWordChar(text.codePointBefore(start));
        }

        private static boolean touchesWordAfter(String text, int stop) {
            return stop < text.length() && isWordChar(text.codePointAt(stop));
        }

        private static boolean isWordChar(int cp) {
            return WORD_CHAR.matcher(Character.toString(cp)).matches();
        }
    }
}
