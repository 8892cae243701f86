package flowscale.runtime.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Differential check against the reference implementations on random Unicode text: Hugging Face tokenizers
 * (the library behind transformers' fast tokenizers) produced the ids in {@code reference-ids.jsonl} (see
 * {@code make_reference_ids.py} beside it), and ours must equal them on every string, for CLIP and for both
 * readers of the T5 model, and, where the text is longer than the encoder takes, truncated to 77 (CLIP) or 16
 * (T5) tokens as the pipelines call them. sentencepiece's own ids are in the file too; where sentencepiece differs from
 * Hugging Face (its normaliser works on bytes, Hugging Face's on grapheme clusters) we follow Hugging Face,
 * since FLUX's pipelines tokenize with transformers.
 */
class HuggingFaceReferenceTest {

    @Test
    void everyRandomStringGetsHuggingFacesIds() throws Exception {
        Tokenizer clip = Tokenizers.load(Goldens.resource("clip-tokenizer"));
        Tokenizer t5Json = Tokenizers.load(Goldens.resource("t5-tiny-tokenizer"));
        Tokenizer t5Spiece = Tokenizers.load(Goldens.resource("t5-tiny-spiece"));
        ObjectMapper json = new ObjectMapper();
        List<String> mismatches = new ArrayList<>();
        int rows = 0;
        int truncated = 0;
        for (String line : Files.readAllLines(Goldens.resource("reference-ids.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode row = json.readTree(line);
            String text = row.get("text").asText();
            rows++;
            check(mismatches, "clip", text, ids(row.get("clip")), clip.encode(text));
            check(mismatches, "t5 tokenizer.json", text, ids(row.get("t5")), t5Json.encode(text));
            check(mismatches, "t5 spiece.model", text, ids(row.get("t5")), t5Spiece.encode(text));
            if (row.has("clip77")) {
                truncated++;
                check(mismatches, "clip truncated to 77", text, ids(row.get("clip77")), clip.encode(text, 77));
            }
            if (row.has("t5_16")) {
                truncated++;
                check(mismatches, "t5 truncated to 16", text, ids(row.get("t5_16")), t5Json.encode(text, 16));
                check(mismatches, "t5 spiece.model truncated to 16", text, ids(row.get("t5_16")), t5Spiece.encode(text, 16));
            }
        }
        assertTrue(rows >= 500, "reference rows: " + rows);
        assertTrue(truncated >= 400, "truncated references: " + truncated);
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())), mismatches.size() + " mismatches");
    }

    /** Added tokens with each of Hugging Face's flags (single_word, lstrip, rstrip, normalized) on the T5 fixture. */
    @Test
    void addedTokenFlagsSplitAsHuggingFaceSplits(@TempDir Path dir) throws Exception {
        ObjectMapper json = new ObjectMapper();
        List<String> lines = Files.readAllLines(Goldens.resource("reference-added-tokens.jsonl"), StandardCharsets.UTF_8);
        ObjectNode tokenizer = (ObjectNode) json.readTree(Goldens.resource("t5-tiny-tokenizer").resolve("tokenizer.json").toFile());
        ((ArrayNode) tokenizer.get("added_tokens")).addAll((ArrayNode) json.readTree(lines.get(0)).get("added_tokens"));
        json.writeValue(dir.resolve("tokenizer.json").toFile(), tokenizer);
        Tokenizer t5 = Tokenizers.load(dir);
        List<String> mismatches = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            JsonNode row = json.readTree(line);
            check(mismatches, "t5 with added tokens", row.get("text").asText(), ids(row.get("t5")), t5.encode(row.get("text").asText()));
        }
        assertTrue(lines.size() > 200, "rows: " + lines.size());
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())), mismatches.size() + " mismatches");
    }

    /**
     * A SentencePiece model with byte fallback, read from its spiece.model: where no piece covers a character its
     * UTF-8 bytes are emitted as {@code <0xNN>} pieces. Reference: sentencepiece itself (on these strings, with
     * single ASCII spaces and an identity normaliser, it and Hugging Face cannot differ).
     */
    @Test
    void byteFallbackSpellsUnknownCharactersAsSentencePieceDoes() throws Exception {
        Tokenizer bytes = Tokenizers.load(Goldens.resource("t5-bytes-spiece"));
        ObjectMapper json = new ObjectMapper();
        List<String> mismatches = new ArrayList<>();
        int rows = 0;
        int withBytes = 0;
        for (String line : Files.readAllLines(Goldens.resource("reference-byte-fallback.jsonl"), StandardCharsets.UTF_8)) {
            JsonNode row = json.readTree(line);
            int[] expected = ids(row.get("spm"));
            rows++;
            if (java.util.Arrays.stream(expected).anyMatch(id -> bytes.token(id).matches("<0x[0-9A-F]{2}>"))) withBytes++;
            check(mismatches, "byte fallback", row.get("text").asText(), expected, bytes.encode(row.get("text").asText()));
        }
        assertTrue(rows >= 300 && withBytes >= 100, rows + " rows, " + withBytes + " with byte pieces");
        assertEquals(List.of(), mismatches.subList(0, Math.min(10, mismatches.size())), mismatches.size() + " mismatches");
    }

    private static void check(List<String> mismatches, String which, String text, int[] expected, int[] actual) {
        if (!java.util.Arrays.equals(expected, actual)) {
            mismatches.add(which + " " + escape(text) + "\n  expected " + java.util.Arrays.toString(expected)
                    + "\n  actual   " + java.util.Arrays.toString(actual));
        }
    }

    private static int[] ids(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).mapToInt(JsonNode::asInt).toArray();
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(cp -> b.append(cp >= 0x20 && cp < 0x7F ? Character.toString(cp) : String.format("\\u{%X}", cp)));
        return b.toString();
    }
}
