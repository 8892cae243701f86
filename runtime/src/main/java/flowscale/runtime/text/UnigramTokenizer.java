package flowscale.runtime.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A SentencePiece unigram tokenizer (T5's, for FLUX's {@code tokenizer_2/}): literal special tokens are kept
 * whole, the rest is normalised (the model's precompiled character map), cut into {@code ▁}-prefixed words,
 * and each word segmented by the {@link UnigramModel}; the post-processor's tokens ({@code </s>} for T5) are
 * appended, and {@link #encode(String, int)} pads with the pad id (0 for T5). Built by
 * {@link TokenizerJson} or {@link SentencePieceModelFile}.
 */
public final class UnigramTokenizer implements Tokenizer {
    private static final Pattern BYTE_PIECE = Pattern.compile("<0x([0-9A-F]{2})>");

    private final AddedVocabulary added;
    private final TextNormalizer normalizer;
    private final MetaspacePreTokenizer preTokenizer;
    private final UnigramModel model;
    private final int[] prefix;
    private final int[] suffix;
    private final int padId;

    UnigramTokenizer(AddedVocabulary added, TextNormalizer normalizer, MetaspacePreTokenizer preTokenizer,
                     UnigramModel model, int[] prefix, int[] suffix, int padId) {
        for (int id : concat(prefix, suffix)) checkId(model, id, "special token");
        checkId(model, padId, "pad token");
        added.tokens().forEach(t -> checkId(model, t.id(), "added token '" + t.content() + "'"));
        this.added = added;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.model = model;
        this.prefix = prefix.clone();
        this.suffix = suffix.clone();
        this.padId = padId;
    }

    private static void checkId(UnigramModel model, int id, String what) {
        if (id < 0 || id >= model.size()) {
            throw new TokenizerException("the " + what + " id " + id + " is not in the " + model.size() + "-piece vocabulary");
        }
    }

    @Override
    public int[] encode(String text) {
        List<Integer> ids = new ArrayList<>();
        for (int id : prefix) ids.add(id);
        boolean atStart = true;
        for (AddedVocabulary.Segment s : added.splitRaw(UnicodeWhitespace.wellFormed(text))) {
            if (s.isToken()) {
                ids.add(s.id());
                atStart = false;
                continue;
            }
            for (AddedVocabulary.Segment n : added.splitNormalized(normalizer.apply(s.text()))) {
                if (n.isToken()) ids.add(n.id());
                else for (String word : preTokenizer.words(n.text(), atStart)) model.encode(word, ids);
                atStart = false;
            }
        }
        for (int id : suffix) ids.add(id);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public int[] fit(int[] ids, int maxLength) {
        return SequenceFit.fit(ids, prefix.length, suffix.length, maxLength, padId);
    }

    @Override
    public String normalize(String text) {
        return normalizer.apply(UnicodeWhitespace.wellFormed(text));
    }

    /** The pieces joined with {@code ▁} read as a space (byte pieces as their bytes), without the leading space. */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            if (isSpecial(id)) continue;
            String piece = token(id);
            Matcher m = BYTE_PIECE.matcher(piece);
            if (m.matches()) {
                bytes.write(Integer.parseInt(m.group(1), 16));
                continue;
            }
            bytes.writeBytes(piece.replace(preTokenizer.replacement(), ' ').getBytes(StandardCharsets.UTF_8));
        }
        String s = bytes.toString(StandardCharsets.UTF_8);
        return preTokenizer.prepend() != MetaspacePreTokenizer.PrependScheme.NEVER && s.startsWith(" ") ? s.substring(1) : s;
    }

    private boolean isSpecial(int id) {
        for (int p : prefix) if (p == id) return true;
        for (int p : suffix) if (p == id) return true;
        return id == padId || added.contains(id);
    }

    @Override
    public String token(int id) {
        if (id < 0 || id >= model.size()) throw new IllegalArgumentException("no token with id " + id);
        return model.piece(id);
    }

    @Override
    public int vocabularySize() {
        return model.size();
    }

    @Override
    public int padId() {
        return padId;
    }

    public int unkId() {
        return model.unkId();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
