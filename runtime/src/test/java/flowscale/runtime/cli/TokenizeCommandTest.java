package flowscale.runtime.cli;

import flowscale.runtime.cli.CliFixture.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code flowscale tokenize}: ids per line for the fixture tokenizers, and one line + exit 2 for bad folders. */
class TokenizeCommandTest {



    private static Path fixture(String name) throws URISyntaxException {
        return Path.of(TokenizeCommandTest.class.getResource("/text/" + name).toURI());
    }

    @Test
    void clipPrintsOneLineOfIdsPerTextWithoutPadding() throws Exception {
        Run r = run("tokenize", "--tokenizer", fixture("clip-tokenizer").toString(),
                "a photo of a red cat riding a horse", "", "emoji \uD83D\uDE80 and 日本語");
        assertEquals(0, r.code(), r.err());
        assertEquals(String.join("\n",
                "49406 320 1125 539 320 736 2368 6765 320 4558 49407",
                "49406 49407",
                "49406 16327 13542 537 39121 44353 34002 508 49407"), r.out().strip().replace("\r", ""));
        assertEquals("", r.err());
    }

    @Test
    void t5FromTokenizerJsonAndFromSpieceModelPrintTheGoldenIds() throws Exception {
        String[] prompts = {"a photo of a red cat riding a horse", "neon sign reading \"FLUX\" at night  "};
        String golden = "17 8 33 17 49 24 35 17 36 1\n21 38 13 3 59 79 56 83 2 59 41 7 1";
        for (String dir : new String[] {"t5-tiny-tokenizer", "t5-tiny-spiece"}) {
            Run r = run("tokenize", "--tokenizer", fixture(dir).toString(), prompts[0], prompts[1]);
            assertEquals(0, r.code(), r.err());
            assertEquals(golden, r.out().strip().replace("\r", ""), dir);
        }
    }

    @Test
    void folderWithoutVocabularyExitsTwo(@TempDir Path dir) {
        Run r = run("tokenize", "--tokenizer", dir.toString(), "hello");
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("holds no vocabulary"), r.err());
    }

    @Test
    void missingFolderExitsTwo(@TempDir Path dir) {
        Run r = run("tokenize", "--tokenizer", dir.resolve("nope").toString(), "hello");
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("does not exist"), r.err());
    }

    @Test
    void vocabWithoutMergesExitsTwo(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("vocab.json"), "{\"a\": 0}");
        Run r = run("tokenize", "--tokenizer", dir.toString(), "hello");
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("no merges.txt"), r.err());
    }

    @Test
    void wordPieceTokenizerJsonExitsTwo(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("tokenizer.json"), """
                {"version": "1.0", "added_tokens": [], "normalizer": null, "pre_tokenizer": null,
                 "post_processor": null, "decoder": null,
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                           "max_input_chars_per_word": 100, "vocab": {"[UNK]": 0, "hello": 1}}}""");
        Run r = run("tokenize", "--tokenizer", dir.toString(), "hello");
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("model type WordPiece is not supported"), r.err());
    }

    @Test
    void truncatedTokenizerJsonExitsTwo(@TempDir Path dir) throws Exception {
        String good = Files.readString(fixture("t5-tiny-tokenizer").resolve("tokenizer.json"));
        Files.writeString(dir.resolve("tokenizer.json"), good.substring(0, good.length() / 2));
        Run r = run("tokenize", "--tokenizer", dir.toString(), "hello");
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("malformed JSON"), r.err());
    }

    @Test
    void corruptSpieceModelExitsTwo(@TempDir Path dir) throws Exception {
        byte[] good = Files.readAllBytes(fixture("t5-tiny-spiece").resolve("spiece.model"));
        Files.write(dir.resolve("spiece.model"), Arrays.copyOf(good, 1000));
        Run r = run("tokenize", "--tokenizer", dir.toString(), "hello");
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("malformed protobuf"), r.err());
    }

    @Test
    void malformedMergesExitsTwo(@TempDir Path dir) throws Exception {
        Files.copy(fixture("clip-tokenizer").resolve("vocab.json"), dir.resolve("vocab.json"));
        Files.writeString(dir.resolve("merges.txt"), "#version: 0.2\ni n\nthis line has three\n");
        Run r = run("tokenize", "--tokenizer", dir.toString(), "hello");
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("merges.txt line 3"), r.err());
    }

    @Test
    void noTextIsAUsageError() throws Exception {
        Run r = run("tokenize", "--tokenizer", fixture("clip-tokenizer").toString());
        assertEquals(2, r.code());
        r.errLine();
    }
}
