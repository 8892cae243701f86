package flowscale.runtime.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A SentencePiece unigram language model: every piece has a log-probability score, and a word is cut into
 * the pieces whose scores sum highest (Viterbi over the lattice of all vocabulary matches). A character no
 * piece starts with becomes the unknown piece at the score of the worst piece minus 10, the same penalty
 * SentencePiece and Hugging Face use, and runs of unknown characters fuse into one unknown token. With byte
 * fallback, an unknown run is spelt as its UTF-8 bytes ({@code <0x41>}) when the vocabulary has all of them.
 *
 * <p>Ties keep the first candidate found: matches are visited by start position, shortest first, and only
 * a strictly better path replaces a stored one, as in Hugging Face's implementation.
 */
final class UnigramModel {
    private static final double UNKNOWN_PENALTY = 10.0;

    private final String[] pieces;
    private final double[] scores;
    private final Map<String, Integer> ids;
    private final PieceTrie trie;
    private final int unkId;
    private final boolean byteFallback;
    private final double unkScore;

    UnigramModel(List<String> pieces, List<Double> scores, int unkId, boolean byteFallback) {
        if (pieces.isEmpty()) throw new TokenizerException("the unigram vocabulary is empty");
        if (unkId < 0 || unkId >= pieces.size()) {
            throw new TokenizerException("the unigram model's unk id " + unkId + " is not in its "
                    + pieces.size() + "-piece vocabulary");
        }
        this.pieces = pieces.toArray(String[]::new);
        this.scores = new double[pieces.size()];
        this.ids = new HashMap<>(pieces.size() * 2);
        this.trie = new PieceTrie();
        double min = Double.POSITIVE_INFINITY;
        for (int i = 0; i < this.pieces.length; i++) {
            double s = scores.get(i);
            if (!Double.isFinite(s)) throw new TokenizerException("piece " + i + " has the score " + s);
            this.scores[i] = s;
            min = Math.min(min, s);
            ids.put(this.pieces[i], i);
            if (!this.pieces[i].isEmpty()) trie.add(this.pieces[i], i);
        }
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        this.unkScore = min - UNKNOWN_PENALTY;
    }

    int size() {
        return pieces.length;
    }

    String piece(int id) {
        return pieces[id];
    }

    int unkId() {
        return unkId;
    }

    Integer id(String piece) {
        return ids.get(piece);
    }

    /** Appends the ids of one pre-tokenised word to {@code out}. */
    void encode(String word, List<Integer> out) {
        int n = word.length();
        if (n == 0) return;
        double[] best = new double[n + 1];
        int[] from = new int[n + 1];
        int[] via = new int[n + 1];
        java.util.Arrays.fill(from, -1);
        List<int[]> matches = new ArrayList<>();
        for (int start = 0; start < n; ) {
            if (start > 0 && from[start] < 0) {
                throw new IllegalStateException("unreachable lattice position " + start);
            }
            int charLen = Character.charCount(word.codePointAt(start));
            boolean singleCharacterPiece = false;
            matches.clear();
            trie.prefixesOf(word, start, matches);
            for (int[] m : matches) {
                int end = start + m[0];
                relax(best, from, via, start, end, m[1], scores[m[1]]);
                if (m[0] == charLen) singleCharacterPiece = true;
            }
            if (!singleCharacterPiece) relax(best, from, via, start, start + charLen, unkId, unkScore);
            start += charLen;
        }
        List<int[]> path = new ArrayList<>();
        for (int end = n; end > 0; end = from[end]) path.add(new int[] {from[end], end, via[end]});
        java.util.Collections.reverse(path);
        int unknownStart = -1;
        int unknownEnd = -1;
        for (int[] step : path) {
            if (step[2] == unkId) {
                if (unknownStart < 0) unknownStart = step[0];
                unknownEnd = step[1];
                continue;
            }
            if (unknownStart >= 0) {
                emitUnknown(word.substring(unknownStart, unknownEnd), out);
                unknownStart = -1;
            }
            out.add(step[2]);
        }
        if (unknownStart >= 0) emitUnknown(word.substring(unknownStart, unknownEnd), out);
    }

    private static void relax(double[] best, int[] from, int[] via, int start, int end, int id, double score) {
        double candidate = best[start] + score;
        if (from[end] < 0 || candidate > best[end]) {
            best[end] = candidate;
            from[end] = start;
            via[end] = id;
        }
    }

    private void emitUnknown(String text, List<Integer> out) {
        Integer whole = ids.get(text);
        if (whole != null) {
            out.add(whole);
            return;
        }
        if (byteFallback) {
            byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
            int[] bytes = new int[utf8.length];
            boolean all = true;
            for (int i = 0; i < utf8.length && all; i++) {
                Integer id = ids.get(String.format("<0x%02X>", utf8[i] & 0xFF));
                if (id == null) all = false;
                else bytes[i] = id;
            }
            if (all) {
                for (int b : bytes) out.add(b);
                return;
            }
        }
        out.add(unkId);
    }

    /** Pieces by their UTF-16 characters, for finding every piece that starts at a position. */
    private static final class PieceTrie {
        private final Map<Character, PieceTrie> children = new HashMap<>();
        private int id = -1;

        void add(String piece, int pieceId) {
            PieceTrie node = this;
            for (int i = 0; i < piece.length(); i++) {
                node = node.children.computeIfAbsent(piece.charAt(i), c -> new PieceTrie());
            }
            node.id = pieceId; // a repeated piece resolves to its last id, as the piece -> id map does
        }

        /** Adds {length in chars, id} for each piece that {@code s} has at {@code start}, shortest first. */
        void prefixesOf(String s, int start, List<int[]> out) {
            PieceTrie node = this;
            for (int i = start; i < s.length(); i++) {
                node = node.children.get(s.charAt(i));
                if (node == null) return;
                if (node.id >= 0) out.add(new int[] {i + 1 - start, node.id});
            }
        }
    }
}
