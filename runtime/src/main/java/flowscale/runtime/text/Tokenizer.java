package flowscale.runtime.text;

/**
 * Text to token ids, as the model that owns the vocabulary expects them. Implementations are immutable
 * and safe to share between threads.
 */
public interface Tokenizer {

    /** The ids of {@code text} with the model's special tokens around it; no truncation, no padding. */
    int[] encode(String text);

    /**
     * The ids of {@code text} truncated to {@code maxLength} (the special tokens are kept: the content is cut)
     * and padded to exactly {@code maxLength} with {@link #padId()}, as the reference pipelines feed encoders.
     */
    default int[] encode(String text, int maxLength) {
        return fit(encode(text), maxLength);
    }

    /** Truncates (keeping the leading and trailing special tokens) and pads an {@link #encode(String)} result. */
    int[] fit(int[] ids, int maxLength);

    /** The text the ids stand for: the normalised input, with the model's whitespace conventions; specials dropped. */
    String decode(int[] ids);

    /** The normalisation this tokenizer applies before splitting into words. */
    String normalize(String text);

    /** The vocabulary entry of {@code id}. */
    String token(int id);

    int vocabularySize();

    int padId();
}
