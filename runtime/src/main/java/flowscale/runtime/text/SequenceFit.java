package flowscale.runtime.text;

import java.util.Arrays;

/**
 * Truncation and padding as Hugging Face tokenizers do them for one sequence: the special tokens added around
 * the content survive, the content is cut at its end, and the result is padded on the right.
 */
final class SequenceFit {
    private SequenceFit() {
    }

    /**
     * @param prefix how many special tokens precede the content in {@code ids}
     * @param suffix how many follow it
     */
    static int[] fit(int[] ids, int prefix, int suffix, int maxLength, int padId) {
        if (maxLength < prefix + suffix) {
            throw new IllegalArgumentException("maxLength " + maxLength + " leaves no room for the "
                    + (prefix + suffix) + " special tokens");
        }
        int[] out = new int[maxLength];
        Arrays.fill(out, padId);
        if (ids.length <= maxLength) {
            System.arraycopy(ids, 0, out, 0, ids.length);
            return out;
        }
        int content = maxLength - prefix - suffix;
        System.arraycopy(ids, 0, out, 0, prefix + content);
        System.arraycopy(ids, ids.length - suffix, out, prefix + content, suffix);
        return out;
    }
}
