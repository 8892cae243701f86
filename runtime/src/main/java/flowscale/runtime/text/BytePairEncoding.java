package flowscale.runtime.text;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair encoding of one word: start from its characters (the last one carrying the end-of-word suffix) and
 * repeatedly merge the adjacent pair whose merge was learnt first (lowest rank), every occurrence of it from the
 * left, until no adjacent pair has a merge. Merging all occurrences of the best pair at once gives the same
 * result as Hugging Face's one-merge-at-a-time queue, because a merge that uses a merged symbol always has a
 * higher rank than the merge that made it.
 */
final class BytePairEncoding {
    /** Words seen often (prompt vocabularies are small) are kept; past this many the cache stops growing. */
    private static final int CACHE_LIMIT = 50_000;

    private final Map<String, Integer> vocabulary;
    private final String[] tokens;
    /** (left id, right id) packed into a long -> rank in the high half, merged id in the low half. */
    private final Map<Long, Long> merges;
    private final String endOfWordSuffix;
    private final int unkId;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    BytePairEncoding(Map<String, Integer> vocabulary, List<String[]> mergePairs, String endOfWordSuffix, int unkId) {
        this.vocabulary = Map.copyOf(vocabulary);
        this.endOfWordSuffix = endOfWordSuffix;
        this.unkId = unkId;
        int size = 0;
        for (int id : vocabulary.values()) {
            if (id < 0) throw new TokenizerException("vocabulary has a negative id " + id);
            size = Math.max(size, id + 1);
        }
        tokens = new String[size];
        vocabulary.forEach((t, id) -> tokens[id] = t);
        merges = new HashMap<>(mergePairs.size() * 2);
        for (int rank = 0; rank < mergePairs.size(); rank++) {
            String[] p = mergePairs.get(rank);
            Integer left = vocabulary.get(p[0]);
            Integer right = vocabulary.get(p[1]);
            Integer merged = vocabulary.get(p[0] + p[1]);
            if (left == null || right == null || merged == null) {
                throw new TokenizerException("merge " + (rank + 1) + " '" + p[0] + " " + p[1]
                        + "' uses or makes a token that is not in the vocabulary");
            }
            merges.putIfAbsent(pair(left, right), ((long) rank << 32) | merged);
        }
    }

    int vocabularySize() {
        return tokens.length;
    }

    /** The vocabulary entry of {@code id}, or null for a gap in the ids. */
    String token(int id) {
        return id >= 0 && id < tokens.length ? tokens[id] : null;
    }

    Integer id(String token) {
        return vocabulary.get(token);
    }

    /** The ids of one word, written in the vocabulary's alphabet, without the suffix. */
    int[] encodeWord(String word) {
        int[] cached = cache.get(word);
        if (cached != null) return cached;
        int[] ids = merge(initialSymbols(word));
        if (cache.size() < CACHE_LIMIT) cache.put(word, ids);
        return ids;
    }

    private int[] initialSymbols(String word) {
        int n = word.codePointCount(0, word.length());
        int[] symbols = new int[n];
        int i = 0;
        for (int k = 0; k < n; k++) {
            int cp = word.codePointAt(i);
            String symbol = new String(Character.toChars(cp));
            if (k == n - 1) symbol += endOfWordSuffix;
            Integer id = vocabulary.get(symbol);
            symbols[k] = id == null ? unkId : id;
            i += Character.charCount(cp);
        }
        return symbols;
    }

    private int[] merge(int[] symbols) {
        int n = symbols.length;
        while (n > 1) {
            long best = Long.MAX_VALUE;
            for (int i = 0; i + 1 < n; i++) {
                Long m = merges.get(pair(symbols[i], symbols[i + 1]));
                if (m != null && m < best) best = m;
            }
            if (best == Long.MAX_VALUE) break;
            int rank = (int) (best >>> 32);
            int merged = (int) best;
            int w = 0;
            for (int i = 0; i < n; i++) {
                if (i + 1 < n) {
                    Long m = merges.get(pair(symbols[i], symbols[i + 1]));
                    if (m != null && (int) (m >>> 32) == rank) {
                        symbols[w++] = merged;
                        i++;
                        continue;
                    }
                }
                symbols[w++] = symbols[i];
            }
            n = w;
        }
        return Arrays.copyOf(symbols, n);
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }
}
