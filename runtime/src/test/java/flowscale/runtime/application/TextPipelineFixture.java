package flowscale.runtime.application;

import flowscale.runtime.model.text.FolderWriter;
import flowscale.runtime.model.text.TextGoldens;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A diffusers-style FLUX.1 pipeline folder made of the tiny text fixtures: {@code text_encoder/} (the tiny CLIP),
 * {@code tokenizer/} (the real CLIP vocabulary), {@code text_encoder_2/} (the tiny T5 in two shards with an index, as
 * the real one ships), {@code tokenizer_2/} (the 150-piece unigram tokenizer.json), and empty {@code transformer/}
 * and {@code vae/}. The goldens' first five prompts are shared by both encoders' goldens.
 */
public final class TextPipelineFixture {
    /** The T5 golden's length. */
    public static final int T5_LENGTH = 16;

    private TextPipelineFixture() {}

    public static Path write(Path dir) {
        try {
            Files.createDirectories(dir.resolve("transformer"));
            Files.createDirectories(dir.resolve("vae"));
            copy(TextGoldens.resource("clip-tiny-text"), dir.resolve("text_encoder"));
            copy(tokenizerResource("clip-tokenizer"), dir.resolve("tokenizer"));
            Path t5 = TextGoldens.resource("t5-tiny-encoder");
            FolderWriter.sharded(t5, dir.resolve("text_encoder_2"), FolderWriter.read(t5),
                    name -> name.startsWith("encoder.block.0.") || name.equals("shared.weight"));
            copy(tokenizerResource("t5-tiny-tokenizer"), dir.resolve("tokenizer_2"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code text/<name>} on the test class path (the tokenizer fixtures). */
    public static Path tokenizerResource(String name) {
        try {
            return Path.of(TextPipelineFixture.class.getResource("/text/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Copies the regular files of {@code from} into {@code to} (created). */
    public static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) if (Files.isRegularFile(f)) Files.copy(f, to.resolve(f.getFileName()));
        }
    }
}
