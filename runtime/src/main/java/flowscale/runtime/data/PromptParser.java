package flowscale.runtime.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Parses the prompt language:
 * <pre>
 *   prompt := group ( sep group )* [ "." ]
 *   group  := count colour shape
 *   sep    := "," | "and" | "," "and"
 *   count  := digit | "one" .. "nine" | "a" | "an"      (only 1-4 are accepted)
 *   colour := red | green | blue | yellow
 *   shape  := circle[s] | square[s] | triangle[s]       (singular or plural, whatever the count)
 * </pre>
 * Case and whitespace are ignored. Counts the grammar can spell but the world cannot draw (0, 5-9)
 * and anything outside the language raise a {@link PromptException} with a one-line message.
 */
public final class PromptParser {
    private static final Map<String, Integer> NUMBER_WORDS = Map.ofEntries(
            Map.entry("a", 1), Map.entry("an", 1), Map.entry("zero", 0), Map.entry("one", 1), Map.entry("two", 2),
            Map.entry("three", 3), Map.entry("four", 4), Map.entry("five", 5), Map.entry("six", 6),
            Map.entry("seven", 7), Map.entry("eight", 8), Map.entry("nine", 9));

    private PromptParser() {
    }

    /** Parses {@code text}; see the class comment for the language. */
    public static Prompt parse(String text) {
        if (text == null) {
            throw failure("", "no prompt given");
        }
        List<String> tokens = tokenize(text);
        if (tokens.isEmpty()) {
            throw failure(text, "the prompt is empty");
        }
        List<Group> groups = new ArrayList<>();
        int i = 0;
        while (true) {
            int count = count(text, tokens.get(i));
            Colour colour = colour(text, word(text, tokens, i + 1, "a colour"));
            Shape shape = shape(text, word(text, tokens, i + 2, "a shape"));
            try {
                groups.add(new Group(count, colour, shape));
            } catch (PromptException e) {
                throw failure(text, e.getMessage());
            }
            i += 3;
            if (i == tokens.size()) break;
            int before = i;
            if (tokens.get(i).equals(",")) i++;
            if (i < tokens.size() && tokens.get(i).equals("and")) i++;
            if (i == before) {
                throw failure(text, "unexpected \"" + tokens.get(i) + "\" after a group");
            }
            if (i == tokens.size()) {
                throw failure(text, "the prompt ends with \"" + tokens.get(i - 1) + "\"");
            }
        }
        if (groups.size() > Vocabulary.MAX_GROUPS) {
            throw failure(text, groups.size() + " groups, at most " + Vocabulary.MAX_GROUPS);
        }
        try {
            return new Prompt(groups);
        } catch (PromptException e) {
            throw failure(text, e.getMessage());
        }
    }

    /** Lower-cases, drops one trailing period, and splits into words and commas. */
    private static List<String> tokenize(String text) {
        String s = text.strip().toLowerCase(Locale.ROOT);
        if (s.endsWith(".")) {
            s = s.substring(0, s.length() - 1);
        }
        List<String> out = new ArrayList<>();
        for (String word : s.replace(",", " , ").split("\\s+")) {
            if (!word.isEmpty()) out.add(word);
        }
        return out;
    }

    /** Token {@code i}, or a failure that says what was expected after the last token. */
    private static String word(String text, List<String> tokens, int i, String expected) {
        if (i < tokens.size()) return tokens.get(i);
        throw failure(text, "expected " + expected + " after \"" + tokens.get(i - 1) + "\"");
    }

    private static int count(String text, String token) {
        Integer n = NUMBER_WORDS.get(token);
        if (n == null && token.matches("[0-9]{1,9}")) {
            n = Integer.parseInt(token);
        }
        if (n == null) {
            throw failure(text, "\"" + token + "\" is not a count");
        }
        if (n < 1 || n > Vocabulary.MAX_COUNT) {
            throw failure(text, "count " + n + " is outside 1-" + Vocabulary.MAX_COUNT);
        }
        return n;
    }

    private static Colour colour(String text, String token) {
        for (Colour c : Colour.values()) {
            if (c.word().equals(token)) return c;
        }
        throw failure(text, "\"" + token + "\" is not a colour");
    }

    private static Shape shape(String text, String token) {
        for (Shape s : Shape.values()) {
            if (s.word().equals(token) || s.plural().equals(token)) return s;
        }
        throw failure(text, "\"" + token + "\" is not a shape");
    }

    private static PromptException failure(String text, String reason) {
        String shown = text.strip().replaceAll("\\s+", " ");
        return new PromptException("cannot parse \"" + shown + "\": " + reason + "; " + PromptException.ACCEPTED);
    }
}
