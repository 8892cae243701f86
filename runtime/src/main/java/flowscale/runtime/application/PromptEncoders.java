package flowscale.runtime.application;

import flowscale.kernels.Backend;
import flowscale.loader.SafetensorsException;
import flowscale.runtime.UserError;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.clip.ClipTextEncoder;
import flowscale.runtime.model.t5.T5Encoder;
import flowscale.runtime.text.ClipTokenizer;
import flowscale.runtime.text.Tokenizer;
import flowscale.runtime.text.TokenizerException;
import flowscale.runtime.text.Tokenizers;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * Opens FLUX.1's text encoders as a {@link PromptEncoder}: CLIP-L (its pooled output is {@code vec}) and the T5
 * encoder (its last hidden state over {@code t5MaxLength} tokens is {@code txt}), as diffusers' {@code FluxPipeline}
 * and BFL's {@code HFEmbedder} call them: CLIP over 77 tokens padded with its end token, T5 padded with id 0 and no
 * attention mask. Every failure to open is a one-line {@link UserError}.
 */
public final class PromptEncoders {
    /** The T5 length FLUX.1-schnell is run with (BFL's and diffusers' default for schnell). */
    public static final int SCHNELL_T5_MAX_LENGTH = 256;
    /** The T5 length FLUX.1-dev is run with. */
    public static final int DEV_T5_MAX_LENGTH = 512;
    /** diffusers refuses a longer {@code max_sequence_length}; FLUX was trained with at most this. */
    public static final int MAX_T5_MAX_LENGTH = 512;

    private PromptEncoders() {}

    /** The T5 length the reference pipelines use for a model with ({@code dev}) or without a guidance embedding. */
    public static int defaultT5MaxLength(boolean guidanceEmbedded) {
        return guidanceEmbedded ? DEV_T5_MAX_LENGTH : SCHNELL_T5_MAX_LENGTH;
    }

    /**
     * Loads both encoders and tokenizers of {@code folders} onto {@code backend} (which the caller keeps and closes
     * after the encoder).
     *
     * @param t5MaxLength tokens of {@code txt}, 1 to 512 ({@link #defaultT5MaxLength})
     * @param warnings    receives one line per truncated prompt
     * @throws UserError for a missing or unreadable vocabulary, an unsupported tokenizer, a folder that is not a CLIP
     *                   text model or a T5 encoder, a tokenizer that does not fit its encoder, or a bad length
     */
    public static PromptEncoder open(TextEncoderFolders folders, Backend backend, int t5MaxLength, Consumer<String> warnings) {
        if (t5MaxLength < 1 || t5MaxLength > MAX_T5_MAX_LENGTH) {
            throw new UserError("--t5-max-length " + t5MaxLength + " is outside 1.." + MAX_T5_MAX_LENGTH
                    + " (FLUX.1-schnell uses " + SCHNELL_T5_MAX_LENGTH + ", dev " + DEV_T5_MAX_LENGTH + ")");
        }
        // Headers first (no data is read): a wrong folder fails before the vocabularies are parsed.
        int clipVocabulary, t5Vocabulary;
        try {
            clipVocabulary = ClipTextEncoder.plan(folders.clipModel()).config().vocabSize();
            t5Vocabulary = T5Encoder.plan(folders.t5Model()).config().vocabSize();
        } catch (CheckpointException | SafetensorsException e) {
            throw new UserError(e.getMessage(), e);
        }
        Tokenizer clipTokenizer = tokenizer(folders.clipTokenizer(), "CLIP");
        if (!(clipTokenizer instanceof ClipTokenizer)) {
            throw new UserError("the CLIP tokenizer " + folders.clipTokenizer() + " is a SentencePiece (T5-style) vocabulary;"
                    + " CLIP's is vocab.json + merges.txt");
        }
        Tokenizer t5Tokenizer = tokenizer(folders.t5Tokenizer(), "T5");
        if (t5Tokenizer instanceof ClipTokenizer) {
            throw new UserError("the T5 tokenizer " + folders.t5Tokenizer() + " is CLIP's BPE vocabulary; T5's is a"
                    + " SentencePiece tokenizer.json or spiece.model");
        }
        requireVocabulary("CLIP", folders.clipTokenizer(), clipTokenizer, folders.clipModel(), clipVocabulary);
        requireVocabulary("T5", folders.t5Tokenizer(), t5Tokenizer, folders.t5Model(), t5Vocabulary);
        ClipTextEncoder clip = null;
        T5Encoder t5 = null;
        try {
            clip = ClipTextEncoder.load(folders.clipModel(), backend);
            t5 = T5Encoder.load(folders.t5Model(), backend);
            return new FluxPromptEncoder(clipTokenizer, clip, t5Tokenizer, t5, t5MaxLength, warnings);
        } catch (CheckpointException | SafetensorsException e) {
            closeQuietly(clip, t5);
            throw new UserError(e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(clip, t5);
            throw e;
        }
    }

    private static Tokenizer tokenizer(Path dir, String family) {
        try {
            return Tokenizers.load(dir);
        } catch (TokenizerException e) {
            throw new UserError(family + " tokenizer: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UserError("cannot read the " + family + " tokenizer in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void requireVocabulary(String family, Path tokenizerDir, Tokenizer tokenizer, Path model, int embedded) {
        if (tokenizer.vocabularySize() > embedded) {
            throw new UserError("the " + family + " tokenizer " + tokenizerDir + " has " + tokenizer.vocabularySize()
                    + " tokens but the encoder " + model + " embeds " + embedded + ": they do not belong together");
        }
    }

    private static void closeQuietly(AutoCloseable... all) {
        for (AutoCloseable c : all) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception ignored) {
                // already failing: the first error is the one to report
            }
        }
    }
}
