package flowscale.runtime.application;

import flowscale.runtime.model.PromptEmbedding;
import flowscale.runtime.model.clip.ClipTextEncoder;
import flowscale.runtime.model.clip.ClipTextOutput;
import flowscale.runtime.model.t5.T5Encoder;
import flowscale.runtime.text.Tokenizer;

import java.util.Arrays;
import java.util.function.Consumer;

/** CLIP's pooled output as {@code vec} and T5's last hidden state as {@code txt}, one prompt at a time. */
final class FluxPromptEncoder implements PromptEncoder {
    /** Longest stretch of dropped text a truncation warning repeats. */
    private static final int QUOTED = 80;

    private final Tokenizer clipTokenizer, t5Tokenizer;
    private final ClipTextEncoder clip;
    private final T5Encoder t5;
    private final int clipLength, t5Length;
    private final Consumer<String> warnings;

    FluxPromptEncoder(Tokenizer clipTokenizer, ClipTextEncoder clip, Tokenizer t5Tokenizer, T5Encoder t5, int t5Length,
                      Consumer<String> warnings) {
        this.clipTokenizer = clipTokenizer;
        this.clip = clip;
        this.t5Tokenizer = t5Tokenizer;
        this.t5 = t5;
        this.clipLength = clip.config().maxPositions();
        this.t5Length = t5Length;
        this.warnings = warnings;
    }

    @Override
    public PromptEmbedding encode(String prompt) {
        int[] clipIds = fitted(clipTokenizer, prompt, clipLength, "CLIP", "CLIP reads at most " + clipLength);
        int[] t5Ids = fitted(t5Tokenizer, prompt, t5Length, "T5", "--t5-max-length is " + t5Length);
        ClipTextOutput pooled = clip.encode(new int[][] {clipIds});
        float[] txt = t5.encode(new int[][] {t5Ids});
        return new PromptEmbedding(t5Length, txt, pooled.pooled());
    }

    /**
     * The ids padded or cut to {@code length}. Both tokenizers end a sequence with one special token (CLIP's end,
     * T5's {@code </s>}) that survives the cut, so the dropped content is what lies from {@code length - 1} up to it.
     */
    private int[] fitted(Tokenizer tokenizer, String prompt, int length, String family, String why) {
        int[] ids = tokenizer.encode(prompt);
        if (ids.length > length) {
            String dropped = tokenizer.decode(Arrays.copyOfRange(ids, length - 1, ids.length)).strip();
            if (dropped.codePointCount(0, dropped.length()) > QUOTED) {
                dropped = dropped.substring(0, dropped.offsetByCodePoints(0, QUOTED)) + "…";
            }
            warnings.accept("the prompt is " + ids.length + " " + family + " tokens and " + why + ": cut, dropping \""
                    + dropped.replaceAll("\\s+", " ") + "\"");
        }
        return tokenizer.fit(ids, length);
    }

    @Override
    public int txtWidth() {
        return t5.config().dModel();
    }

    @Override
    public int vecWidth() {
        return clip.config().hiddenSize();
    }

    @Override
    public int txtTokens() {
        return t5Length;
    }

    @Override
    public void close() {
        try {
            clip.close();
        } finally {
            t5.close();
        }
    }
}
