package flowscale.runtime.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The tokens a user may type literally ({@code </s>}, {@code <|endoftext|>}) and that must become their one id
 * instead of being segmented: Hugging Face's added vocabulary. They are found in the raw text before
 * normalisation, leftmost first and, among those starting at the same place, longest first.
 */
final class SpecialTokens {
    /** One stretch of the input: ordinary text ({@code id < 0}) or a special token. */
    record Segment(String text, int id) {
        boolean isSpecial() {
            return id >= 0;
        }
    }

    private final Map<String, Integer> ids;
    /** Tokens by their first character, longest first. */
    private final Map<Character, List<String>> byFirstChar = new HashMap<>();

    SpecialTokens(Map<String, Integer> ids) {
        this.ids = Map.copyOf(ids);
        for (String t : this.ids.keySet()) {
            if (t.isEmpty()) continue;
            byFirstChar.computeIfAbsent(t.charAt(0), k -> new ArrayList<>()).add(t);
        }
        byFirstChar.values().forEach(l -> l.sort((a, b) -> Integer.compare(b.length(), a.length())));
    }

    Map<String, Integer> ids() {
        return ids;
    }

    boolean contains(int id) {
        return ids.containsValue(id);
    }

    List<Segment> split(String text) {
        List<Segment> out = new ArrayList<>();
        if (byFirstChar.isEmpty()) {
            out.add(new Segment(text, -1));
            return out;
        }
        int start = 0;
        for (int i = 0; i < text.length(); i++) {
            List<String> candidates = byFirstChar.get(text.charAt(i));
            if (candidates == null) continue;
            for (String t : candidates) {
                if (text.startsWith(t, i)) {
                    if (i > start) out.add(new Segment(text.substring(start, i), -1));
                    out.add(new Segment(t, ids.get(t)));
                    start = i + t.length();
                    i = start - 1;
                    break;
                }
            }
        }
        if (start < text.length()) out.add(new Segment(text.substring(start), -1));
        return out;
    }
}
