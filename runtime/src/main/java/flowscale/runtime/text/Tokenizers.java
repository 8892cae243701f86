package flowscale.runtime.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds and loads the tokenizer a model folder ships (FLUX's {@code tokenizer/} or {@code tokenizer_2/}). */
public final class Tokenizers {
    private Tokenizers() {
    }

    /**
     * Loads from {@code dir}: {@code vocab.json} + {@code merges.txt} (CLIP's byte-level BPE) if present, else
     * {@code tokenizer.json} (a unigram model), else {@code spiece.model}. A CLIP folder may also hold a BPE
     * tokenizer.json; the two vocabulary files are the same data and are preferred.
     */
    public static Tokenizer load(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new TokenizerException("tokenizer folder " + dir + " does not exist or is not a folder");
        }
        Path vocab = dir.resolve("vocab.json");
        Path merges = dir.resolve("merges.txt");
        if (Files.isRegularFile(vocab) || Files.isRegularFile(merges)) {
            if (!Files.isRegularFile(vocab)) throw new TokenizerException(dir + " has merges.txt but no vocab.json");
            if (!Files.isRegularFile(merges)) throw new TokenizerException(dir + " has vocab.json but no merges.txt");
            return ClipTokenizer.load(vocab, merges);
        }
        Path json = dir.resolve("tokenizer.json");
        if (Files.isRegularFile(json)) return TokenizerJson.load(json);
        Path spiece = dir.resolve("spiece.model");
        if (Files.isRegularFile(spiece)) return SentencePieceModelFile.load(spiece);
        throw new TokenizerException(dir + " holds no vocabulary: expected tokenizer.json, spiece.model or vocab.json + merges.txt");
    }
}
