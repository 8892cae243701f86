package flowscale.runtime.text;

import java.util.ArrayList;
import java.util.List;

/**
 * SentencePiece's word handling as Hugging Face expresses it: optionally split at whitespace (dropping it,
 * which also removes leading, trailing and repeated spaces), then write spaces as the meta symbol {@code ▁},
 * put a {@code ▁} in front of a word that lacks one (every word, only the text's first word, or none), and cut
 * before every {@code ▁} so that a piece never spans two words.
 */
record MetaspacePreTokenizer(boolean splitOnWhitespace, char replacement, PrependScheme prepend, boolean split) {
    static final char META = '\u2581';

    enum PrependScheme { ALWAYS, FIRST, NEVER }

    /**
     * The words of one stretch of normalised text.
     * @param atTextStart whether the stretch begins the user's text (matters only for {@link PrependScheme#FIRST})
     */
    List<String> words(String text, boolean atTextStart) {
        List<String> chunks = new ArrayList<>();
        List<Boolean> chunkAtStart = new ArrayList<>();
        if (splitOnWhitespace) {
            int i = 0;
            while (i < text.length()) {
                while (i < text.length() && UnicodeWhitespace.is(text.codePointAt(i))) i += Character.charCount(text.codePointAt(i));
                int from = i;
                while (i < text.length() && !UnicodeWhitespace.is(text.codePointAt(i))) i += Character.charCount(text.codePointAt(i));
                if (i > from) {
                    chunks.add(text.substring(from, i));
                    chunkAtStart.add(atTextStart && from == 0);
                }
            }
        } else if (!text.isEmpty()) {
            chunks.add(text);
            chunkAtStart.add(atTextStart);
        }
        List<String> words = new ArrayList<>();
        for (int c = 0; c < chunks.size(); c++) {
            String w = chunks.get(c).replace(' ', replacement);
            boolean add = switch (prepend) {
                case ALWAYS -> true;
                case FIRST -> chunkAtStart.get(c);
                case NEVER -> false;
            };
            if (add && w.charAt(0) != replacement) w = replacement + w;
            if (!split) {
                words.add(w);
                continue;
            }
            int from = 0;
            for (int i = 1; i < w.length(); i++) {
                if (w.charAt(i) == replacement) {
                    words.add(w.substring(from, i));
                    from = i;
                }
            }
            words.add(w.substring(from));
        }
        return words;
    }
}
