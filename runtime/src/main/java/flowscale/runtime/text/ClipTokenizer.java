package flowscale.runtime.text;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CLIP's byte-level BPE tokenizer with the semantics of Hugging Face's {@code CLIPTokenizerFast}, the tokenizer
 * of FLUX's {@code tokenizer/} folder: the start and end tokens typed literally are kept whole; the rest is
 * NFC-normalised, whitespace runs become one space, letters are lower-cased (accents are kept: "café" stays
 * "café"), and CLIP's pattern cuts it into words (letter runs, single digits, punctuation runs, English
 * contractions); each word's UTF-8 bytes are spelt in the {@link ByteLevelAlphabet}, its last symbol gets
 * {@code </w>}, and BPE merges it. The sequence is {@code <|startoftext|>} words {@code <|endoftext|>}, padded
 * with {@code <|endoftext|>} as FLUX's CLIP-L tokenizer does.
 */
public final class ClipTokenizer implements Tokenizer {
    public static final String START = "<|startoftext|>";
    public static final String END = "<|endoftext|>";
    /** CLIP's context length: 77 positions. */
    public static final int MAX_LENGTH = 77;
    private static final String END_OF_WORD = "</w>";
    /**
     * CLIP's tokenizer reads at most 49,152 - 256 - 2 merges (its vocabulary is 256 bytes, 256 bytes with
     * {@code </w>}, the merges and the two specials: 49,408); transformers slices merges.txt the same way.
     */
    private static final int MAX_MERGES = 49_152 - 256 - 2;

    /**
     * Hugging Face's form of CLIP's word pattern. open-clip's (and the slow tokenizer's) also lists the two
     * special tokens first; the fast tokenizer does not, because it has already taken them out of the raw text
     * when they are typed exactly, so a variant like {@code <|EndOfText|>} is lower-cased and cut into
     * {@code <|}, {@code endoftext}, {@code |>} as Hugging Face does. (Its ByteLevel step then applies GPT-2's
     * pattern to each word, which cannot split any word this pattern makes, so it is left out.)
     */
    private static final Pattern WORDS = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d|\\p{L}+|\\p{N}|[^"
                    + UnicodeWhitespace.CLASS + "\\p{L}\\p{N}]+");
    private static final Pattern WHITESPACE_RUN = Pattern.compile("[" + UnicodeWhitespace.CLASS + "]+");

    private final BytePairEncoding bpe;
    private final AddedVocabulary specials;
    private final int startId;
    private final int endId;

    private ClipTokenizer(BytePairEncoding bpe) {
        this.bpe = bpe;
        Integer start = bpe.id(START);
        Integer end = bpe.id(END);
        if (start == null || end == null) {
            throw new TokenizerException("the vocabulary has no " + (start == null ? START : END) + " token");
        }
        this.startId = start;
        this.endId = end;
        this.specials = AddedVocabulary.of(Map.of(START, startId, END, endId));
    }

    /** Reads a Hugging Face CLIP vocabulary: {@code vocab.json} (token -> id) and {@code merges.txt}. */
    public static ClipTokenizer load(Path vocabJson, Path mergesTxt) throws IOException {
        Map<String, Integer> vocabulary = readVocabulary(vocabJson);
        List<String[]> merges = readMerges(mergesTxt);
        Integer unk = vocabulary.get(END);
        return new ClipTokenizer(new BytePairEncoding(vocabulary, merges, END_OF_WORD, unk == null ? -1 : unk));
    }

    private static Map<String, Integer> readVocabulary(Path file) throws IOException {
        Map<String, Integer> vocabulary = new HashMap<>(1 << 16);
        try (JsonParser p = new ObjectMapper().createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new TokenizerException(file + ": not a JSON object of token -> id");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String token = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_NUMBER_INT) {
                    throw new TokenizerException(file + ": the id of '" + token + "' is not an integer");
                }
                vocabulary.put(token, p.getIntValue());
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new TokenizerException(file + ": malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (vocabulary.isEmpty()) throw new TokenizerException(file + ": empty vocabulary");
        return vocabulary;
    }

    private static List<String[]> readMerges(Path file) throws IOException {
        List<String[]> merges = new ArrayList<>(50_000);
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty() || (i == 0 && line.startsWith("#version"))) continue;
            String[] pair = line.split(" ", -1);
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw new TokenizerException(file + " line " + (i + 1) + ": expected two tokens separated by one space");
            }
            merges.add(pair);
            if (merges.size() == MAX_MERGES) break;
        }
        return merges;
    }

    @Override
    public int[] encode(String text) {
        List<Integer> ids = new ArrayList<>();
        ids.add(startId);
        for (AddedVocabulary.Segment s : specials.splitRaw(UnicodeWhitespace.wellFormed(text))) {
            if (s.isToken()) {
                ids.add(s.id());
                continue;
            }
            Matcher m = WORDS.matcher(normalize(s.text()));
            while (m.find()) {
                for (int id : bpe.encodeWord(spellBytes(m.group()))) ids.add(id);
            }
        }
        ids.add(endId);
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public int[] fit(int[] ids, int maxLength) {
        return SequenceFit.fit(ids, 1, 1, maxLength, endId);
    }

    @Override
    public String normalize(String text) {
        String nfc = Normalizer.normalize(UnicodeWhitespace.wellFormed(text), Normalizer.Form.NFC);
        // Not String.strip(): Java's whitespace includes U+001C..U+001F, which CLIP keeps as tokens.
        String spaced = trimSpaces(WHITESPACE_RUN.matcher(nfc).replaceAll(" "));
        StringBuilder lower = new StringBuilder(spaced.length());
        spaced.codePoints().forEach(cp -> {
            // Per character, as Hugging Face's Lowercase: no final-sigma context, but U+0130's full mapping.
            if (cp == 0x130) lower.append("i\u0307");
            else lower.appendCodePoint(Character.toLowerCase(cp));
        });
        return lower.toString();
    }

    private static String trimSpaces(String s) {
        int from = 0;
        int to = s.length();
        while (from < to && s.charAt(from) == ' ') from++;
        while (to > from && s.charAt(to - 1) == ' ') to--;
        return s.substring(from, to);
    }

    private static String spellBytes(String word) {
        byte[] utf8 = word.getBytes(StandardCharsets.UTF_8);
        char[] spelt = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) spelt[i] = ByteLevelAlphabet.charOf(utf8[i] & 0xFF);
        return new String(spelt);
    }

    /** The words separated by single spaces: the byte-level BPE loses nothing but the original whitespace. */
    @Override
    public String decode(int[] ids) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int id : ids) {
            if (id == startId || id == endId) continue;
            String t = token(id);
            boolean wordEnd = t.endsWith(END_OF_WORD);
            if (wordEnd) t = t.substring(0, t.length() - END_OF_WORD.length());
            for (int i = 0; i < t.length(); i++) {
                int b = ByteLevelAlphabet.byteOf(t.charAt(i));
                if (b < 0) throw new IllegalArgumentException("token " + id + " is not byte-level: " + t);
                bytes.write(b);
            }
            if (wordEnd) bytes.write(' ');
        }
        return trimSpaces(bytes.toString(StandardCharsets.UTF_8));
    }

    @Override
    public String token(int id) {
        String t = bpe.token(id);
        if (t == null) throw new IllegalArgumentException("no token with id " + id);
        return t;
    }

    @Override
    public int vocabularySize() {
        return bpe.vocabularySize();
    }

    @Override
    public int padId() {
        return endId;
    }

    public int startId() {
        return startId;
    }

    public int endId() {
        return endId;
    }
}
