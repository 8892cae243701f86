package flowscale.runtime.application;

import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsFile;
import flowscale.runtime.UserError;
import flowscale.runtime.model.PromptEmbedding;
import flowscale.runtime.model.text.TextGoldens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The prompt encoder end to end on the tiny fixtures: prompt text through both tokenizers and both encoders gives
 * the goldens' pooled CLIP output ({@code vec}) and T5 states ({@code txt}), from a pipeline folder or from
 * explicit folders; truncation warns in one line; every bad folder is a one-line {@link UserError}.
 */
class PromptEncodersTest {
    /** As the encoders' golden tests (float32 on both sides; observed there up to 2.7e-6 of the output's scale). */
    static final double TOLERANCE = 1e-5;

    static Backend backend;
    /** One pipeline folder for the class; tests that edit folders copy from it into {@link #dir}. */
    static Path pipeline;

    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        backend = Backends.create("cpu");
        pipeline = TextPipelineFixture.write(shared.resolve("pipe"));
    }

    @AfterAll
    static void stop() {
        backend.close();
    }

    @Test
    void aPipelineFolderEncodesTheGoldenPromptsToTheGoldenStates() throws Exception {
        assertMatchesGoldens(TextEncoderFolders.ofPipeline(pipeline));
    }

    @Test
    void explicitFoldersFindTheirTokenizerInsideBesideOrInATokenizerSubfolder() throws Exception {
        // diffusers' layout named by its model folders: the tokenizers are the siblings tokenizer/ and tokenizer_2/.
        TextEncoderFolders siblings = TextEncoderFolders.of(pipeline.resolve("text_encoder"), pipeline.resolve("text_encoder_2"));
        // (the same folders as ofPipeline's, which the test above encodes with)
        assertEquals(pipeline.resolve("tokenizer").toAbsolutePath().normalize(), siblings.clipTokenizer());
        assertEquals(pipeline.resolve("tokenizer_2").toAbsolutePath().normalize(), siblings.t5Tokenizer());
        // Vocabulary files beside the weights (CLIP), or a spiece.model in tokenizer_2/ inside the model folder (T5).
        Path clip = dir.resolve("clip"), t5 = dir.resolve("t5");
        TextPipelineFixture.copy(pipeline.resolve("text_encoder"), clip);
        TextPipelineFixture.copy(pipeline.resolve("tokenizer"), clip);
        TextPipelineFixture.copy(pipeline.resolve("text_encoder_2"), t5);
        TextPipelineFixture.copy(TextPipelineFixture.tokenizerResource("t5-tiny-spiece"), t5.resolve("tokenizer_2"));
        TextEncoderFolders inside = TextEncoderFolders.of(clip, t5);
        assertEquals(clip, inside.clipTokenizer());
        assertEquals(t5.resolve("tokenizer_2"), inside.t5Tokenizer());
        assertMatchesGoldens(inside);
    }

    private static void assertMatchesGoldens(TextEncoderFolders folders) throws Exception {
        List<String> warnings = new ArrayList<>();
        try (PromptEncoder encoder = PromptEncoders.open(folders, backend, TextPipelineFixture.T5_LENGTH, warnings::add);
             SafetensorsFile clip = SafetensorsFile.open(TextGoldens.resource("clip-tiny-golden.safetensors"));
             SafetensorsFile t5 = SafetensorsFile.open(TextGoldens.resource("t5-tiny-golden.safetensors"))) {
            assertEquals(32, encoder.txtWidth());
            assertEquals(16, encoder.vecWidth());
            assertEquals(TextPipelineFixture.T5_LENGTH, encoder.txtTokens());
            String[] prompts = new ObjectMapper().readValue(t5.metadata().get("prompts"), String[].class);
            float[] pooled = clip.toFloatArray("out.pooler_output"), states = t5.toFloatArray("out.last_hidden_state");
            int txtSize = TextPipelineFixture.T5_LENGTH * 32;
            for (int i = 0; i < prompts.length; i++) {
                PromptEmbedding e = encoder.encode(prompts[i]);
                assertEquals(TextPipelineFixture.T5_LENGTH, e.tokens());
                double vec = TextGoldens.relativeError(e.vec(), Arrays.copyOfRange(pooled, i * 16, i * 16 + 16));
                double txt = TextGoldens.relativeError(e.txt(), Arrays.copyOfRange(states, i * txtSize, (i + 1) * txtSize));
                assertTrue(vec <= TOLERANCE && txt <= TOLERANCE, "prompt " + i + ": vec " + vec + ", txt " + txt);
            }
            // The T5 golden cut its longer prompts at 16 tokens as the encoder does, and warned as transformers does.
            assertFalse(warnings.isEmpty());
            for (String w : warnings) assertTrue(w.contains("T5 tokens and --t5-max-length is 16"), w);
        }
    }

    @Test
    void aLongPromptIsCutWithOneWarningLinePerEncoder() {
        List<String> warnings = new ArrayList<>();
        String prompt = "a photo of a red cat riding a horse, ".repeat(12) + "THE END";
        try (PromptEncoder encoder = PromptEncoders.open(TextEncoderFolders.ofPipeline(pipeline), backend, 16, warnings::add)) {
            PromptEmbedding e = encoder.encode(prompt);
            assertEquals(16, e.tokens());
            assertEquals(2, warnings.size(), warnings.toString());
            assertTrue(warnings.get(0).startsWith("the prompt is ") && warnings.get(0).contains("CLIP tokens and CLIP reads at most 77"), warnings.get(0));
            assertTrue(warnings.get(0).contains(": cut, dropping \"cat riding a horse"), warnings.get(0));
            assertTrue(warnings.get(1).contains("T5 tokens and --t5-max-length is 16: cut, dropping \""), warnings.get(1));
            for (String w : warnings) assertFalse(w.contains("\n"), w);
            warnings.clear();
            // The cut keeps the first tokens: the prompt's opening words decide the embedding.
            PromptEmbedding shorter = encoder.encode("a photo of a red cat riding a horse, ".repeat(12));
            assertEquals(2, warnings.size());
            assertTrue(Arrays.equals(e.txt(), shorter.txt()), "T5 sees the same first 15 tokens");
        }
    }

    @Test
    void widthsAreCheckedAgainstTheTransformerInOneLine() {
        try (PromptEncoder encoder = PromptEncoders.open(TextEncoderFolders.ofPipeline(pipeline), backend, 16, w -> {})) {
            encoder.requireWidths(32, 16);
            String msg = assertThrows(UserError.class, () -> encoder.requireWidths(4096, 768)).getMessage();
            assertEquals("the text encoders do not fit the transformer: T5 gives txt tokens 32 wide and CLIP a vec of 16,"
                    + " the transformer reads txt 4096 wide and a vec of 768", msg);
        }
    }

    @Test
    void badFoldersAndLengthsAreOneLineUserErrors() throws Exception {
        Path clip = pipeline.resolve("text_encoder"), t5 = pipeline.resolve("text_encoder_2");
        // Not a pipeline.
        Files.createDirectories(dir.resolve("half"));
        TextPipelineFixture.copy(clip, dir.resolve("half/text_encoder"));
        assertError(() -> TextEncoderFolders.ofPipeline(dir.resolve("half")), "is not a diffusers FLUX.1 pipeline folder: it has no "
                + "tokenizer/, text_encoder_2/, tokenizer_2/");
        assertError(() -> TextEncoderFolders.ofPipeline(dir.resolve("none")), "does not exist");
        // No vocabulary anywhere near the model folder.
        Path lone = dir.resolve("lone/model");
        TextPipelineFixture.copy(clip, lone);
        assertError(() -> TextEncoderFolders.of(lone, t5), "no CLIP tokenizer for " + lone);
        // Swapped folders: each encoder refuses the other's checkpoint, each tokenizer the other's vocabulary.
        assertError(() -> open(new TextEncoderFolders(t5, pipeline.resolve("tokenizer"), t5, pipeline.resolve("tokenizer_2"))),
                "not a CLIPTextModel checkpoint");
        assertError(() -> open(new TextEncoderFolders(clip, pipeline.resolve("tokenizer"), clip, pipeline.resolve("tokenizer_2"))),
                "not a T5EncoderModel checkpoint");
        assertError(() -> open(new TextEncoderFolders(clip, pipeline.resolve("tokenizer_2"), t5, pipeline.resolve("tokenizer_2"))),
                "is a SentencePiece (T5-style) vocabulary");
        assertError(() -> open(new TextEncoderFolders(clip, pipeline.resolve("tokenizer"), t5, pipeline.resolve("tokenizer"))),
                "is CLIP's BPE vocabulary");
        // Bad input: a tokenizer.json of a model type flowscale refuses (WordPiece), and one vocabulary file of two.
        Path bpe = Files.createDirectories(dir.resolve("bpe"));
        Files.writeString(bpe.resolve("tokenizer.json"), "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}");
        assertError(() -> open(new TextEncoderFolders(clip, pipeline.resolve("tokenizer"), t5, bpe)),
                "T5 tokenizer: " + bpe.resolve("tokenizer.json") + ": model type WordPiece is not supported");
        Path half = Files.createDirectories(dir.resolve("halfvocab"));
        Files.copy(pipeline.resolve("tokenizer/vocab.json"), half.resolve("vocab.json"));
        assertError(() -> open(new TextEncoderFolders(clip, half, t5, pipeline.resolve("tokenizer_2"))), "has vocab.json but no merges.txt");
        // Lengths outside what FLUX takes.
        for (int n : new int[] {0, 513}) {
            assertError(() -> PromptEncoders.open(TextEncoderFolders.ofPipeline(pipeline), backend, n, w -> {}),
                    "--t5-max-length " + n + " is outside 1..512");
        }
    }

    private static PromptEncoder open(TextEncoderFolders folders) {
        return PromptEncoders.open(folders, backend, 16, w -> {});
    }

    private static void assertError(org.junit.jupiter.api.function.Executable call, String fragment) {
        String msg = assertThrows(UserError.class, call).getMessage();
        assertTrue(msg.contains(fragment), msg);
        assertFalse(msg.contains("\n"), msg);
    }
}
