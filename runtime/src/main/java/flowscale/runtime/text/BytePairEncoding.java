package flowscale.runtime.text;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Byte-pair encoding of one word: start from its characters (the last one carrying the end-of-word suffix) and
 * repeatedly merge the adjacent pair whose merge was learnt first (lowest rank), the leftmost such pair first,
 * until no adjacent pair has a merge, as Hugging Face's BPE model does.
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

    /**
     * Applies merges lowest rank first, and among equal ranks leftmost first, over a linked list of symbols with
     * a heap of candidate pairs: O(n log n) in the word length, so a pathological 10,000-letter "word" costs
     * milliseconds, not the quadratic time of rescanning the word after every merge. A popped candidate whose
     * symbols have changed since it was pushed is stale and skipped.
     */
    private int[] merge(int[] symbols) {
        int n = symbols.length;
        if (n < 2) return symbols;
        int[] next = new int[n];
        int[] prev = new int[n];
        boolean[] gone = new boolean[n];
        for (int i = 0; i < n; i++) {
            next[i] = i + 1 < n ? i + 1 : -1;
            prev[i] = i - 1;
        }
        LongHeap candidates = new LongHeap(n);
        for (int i = 0; i + 1 < n; i++) push(candidates, symbols, i, i + 1);
        int alive = n;
        while (!candidates.isEmpty()) {
            long top = candidates.pop();
            int rank = (int) (top >>> 32);
            int left = (int) top;
            int right = next[left];
            if (gone[left] || right < 0) continue;
            Long m = merges.get(pair(symbols[left], symbols[right]));
            if (m == null || (int) (m >>> 32) != rank) continue;
            symbols[left] = (int) (long) m;
            gone[right] = true;
            alive--;
            next[left] = next[right];
            if (next[right] >= 0) prev[next[right]] = left;
            if (prev[left] >= 0) push(candidates, symbols, prev[left], left);
            if (next[left] >= 0) push(candidates, symbols, left, next[left]);
        }
        int[] out = new int[alive];
        int w = 0;
        for (int i = 0; i >= 0; i = next[i]) out[w++] = symbols[i];
        return out;
    }

    private void push(LongHeap heap, int[] symbols, int left, int right) {
        Long m = merges.get(pair(symbols[left], symbols[right]));
        if (m != null) heap.push((m & 0xFFFFFFFF00000000L) | left);
    }

    /** A binary min-heap of longs (rank in the high half, position in the low half: ties go left first). */
    private static final class LongHeap {
        private long[] items;
        private int size;

        LongHeap(int capacity) {
            items = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void push(long v) {
            if (size == items.length) items = java.util.Arrays.copyOf(items, size * 2);
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (items[parent] <= v) break;
                items[i] = items[parent];
                i = parent;
            }
            items[i] = v;
        }

        long pop() {
            long top = items[0];
            long last = items[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) break;
                if (child + 1 < size && items[child + 1] < items[child]) child++;
                if (items[child] >= last) break;
                items[i] = items[child];
                i = child;
            }
            items[i] = last;
            return top;
        }
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }
}
