package flowscale.runtime.application;

import flowscale.runtime.UserError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where FLUX.1's two text encoders and their tokenizers are: the CLIP model folder ({@code text_encoder/}) and its
 * tokenizer folder ({@code tokenizer/}), the T5 model folder ({@code text_encoder_2/}, possibly sharded) and its
 * tokenizer folder ({@code tokenizer_2/}).
 */
public record TextEncoderFolders(Path clipModel, Path clipTokenizer, Path t5Model, Path t5Tokenizer) {
    /** The files any tokenizer folder holds at least one of. */
    static final List<String> VOCABULARY_FILES = List.of("vocab.json", "merges.txt", "tokenizer.json", "spiece.model");

    /**
     * The encoders in the model folders {@code clip} and {@code t5}, each with its tokenizer files beside its weights,
     * in a {@code tokenizer/} ({@code tokenizer_2/}) folder inside it, or in that folder beside it (diffusers'
     * layout, when the model folder is a pipeline's {@code text_encoder/}).
     *
     * @throws UserError when a folder is missing or no tokenizer is found for it
     */
    public static TextEncoderFolders of(Path clip, Path t5) {
        return new TextEncoderFolders(requireFolder(clip, "--clip"), tokenizerFor(clip, "tokenizer", "CLIP"),
                requireFolder(t5, "--t5"), tokenizerFor(t5, "tokenizer_2", "T5"));
    }

    /**
     * The encoders of a diffusers FLUX.1 pipeline folder ({@code text_encoder/}, {@code tokenizer/},
     * {@code text_encoder_2/}, {@code tokenizer_2/} beside {@code transformer/} and {@code vae/}).
     *
     * @throws UserError naming what the folder lacks
     */
    public static TextEncoderFolders ofPipeline(Path pipeline) {
        if (!Files.isDirectory(pipeline)) {
            throw new UserError("pipeline folder " + pipeline + " does not exist or is not a folder");
        }
        List<String> missing = List.of("text_encoder", "tokenizer", "text_encoder_2", "tokenizer_2").stream()
                .filter(n -> !Files.isDirectory(pipeline.resolve(n))).toList();
        if (!missing.isEmpty()) {
            throw new UserError(pipeline + " is not a diffusers FLUX.1 pipeline folder: it has no " + String.join("/, ", missing)
                    + "/ (expected transformer/, vae/, text_encoder/, text_encoder_2/, tokenizer/, tokenizer_2/)");
        }
        return new TextEncoderFolders(pipeline.resolve("text_encoder"), pipeline.resolve("tokenizer"),
                pipeline.resolve("text_encoder_2"), pipeline.resolve("tokenizer_2"));
    }

    private static Path requireFolder(Path dir, String option) {
        if (!Files.isDirectory(dir)) throw new UserError(option + " " + dir + " does not exist or is not a folder");
        return dir;
    }

    private static Path tokenizerFor(Path model, String diffusersName, String family) {
        Path parent = model.toAbsolutePath().normalize().getParent();
        List<Path> candidates = parent == null ? List.of(model, model.resolve(diffusersName))
                : List.of(model, model.resolve(diffusersName), parent.resolve(diffusersName));
        for (Path c : candidates) if (holdsVocabulary(c)) return c;
        throw new UserError("no " + family + " tokenizer for " + model + ": none of " + String.join(", ", VOCABULARY_FILES)
                + " in it, in " + diffusersName + "/ inside it or in " + diffusersName + "/ beside it");
    }

    static boolean holdsVocabulary(Path dir) {
        if (!Files.isDirectory(dir)) return false;
        for (String f : VOCABULARY_FILES) if (Files.isRegularFile(dir.resolve(f))) return true;
        return false;
    }
}
