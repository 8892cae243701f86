package flowscale.runtime.text;

import java.text.Normalizer;
import java.util.List;
import java.util.regex.Pattern;

/** One step of a tokenizer.json normaliser; a tokenizer applies its steps in order. */
@FunctionalInterface
interface TextNormalizer {
    String apply(String text);

    static TextNormalizer identity() {
        return s -> s;
    }

    static TextNormalizer sequence(List<TextNormalizer> steps) {
        return s -> {
            for (TextNormalizer step : steps) s = step.apply(s);
            return s;
        };
    }

    static TextNormalizer unicode(Normalizer.Form form) {
        return s -> Normalizer.normalize(s, form);
    }

    static TextNormalizer precompiled(PrecompiledCharsMap map) {
        return map::normalize;
    }

    /** Hugging Face's Lowercase: per character, so no final-sigma rule, with U+0130's two-character mapping. */
    static TextNormalizer lowercase() {
        return s -> {
            StringBuilder b = new StringBuilder(s.length());
            s.codePoints().forEach(cp -> {
                if (cp == 0x130) b.append("i\u0307");
                else b.appendCodePoint(Character.toLowerCase(cp));
            });
            return b.toString();
        };
    }

    static TextNormalizer strip(boolean left, boolean right) {
        return s -> {
            int from = 0;
            int to = s.length();
            while (left && from < to && UnicodeWhitespace.is(s.codePointAt(from))) from += Character.charCount(s.codePointAt(from));
            while (right && to > from && UnicodeWhitespace.is(s.codePointBefore(to))) to -= Character.charCount(s.codePointBefore(to));
            return s.substring(from, to);
        };
    }

    static TextNormalizer replace(Pattern pattern, String content) {
        String literal = java.util.regex.Matcher.quoteReplacement(content);
        return s -> pattern.matcher(s).replaceAll(literal);
    }

    static TextNormalizer prepend(String prefix) {
        return s -> s.isEmpty() ? s : prefix + s;
    }
}
