package flowscale.runtime.text;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a SentencePiece {@code spiece.model} (a serialised {@code ModelProto}) into the same tokenizer that
 * Hugging Face's conversion of it would give (what {@code T5TokenizerFast} does with a folder holding only
 * {@code spiece.model}), so that this file and the converted {@code tokenizer.json} give identical ids.
 *
 * <p>Fields read (sentencepiece_model.proto): ModelProto 1 pieces {1 piece, 2 score, 3 type}, 2 trainer_spec
 * {3 model_type, 35 byte_fallback, 40 unk_id, 42 eos_id, 43 pad_id}, 3 normalizer_spec {2 precompiled_charsmap,
 * 3 add_dummy_prefix, 4 remove_extra_whitespaces}; the rest is skipped. Mapping: add_dummy_prefix puts
 * {@code ▁} before every word (false: never); remove_extra_whitespaces splits at whitespace first (false: spaces
 * stay as {@code ▁} pieces); {@code </s>} (eos_id) is appended; pad_id pads (0 when the model has none); the
 * unknown and control pieces ({@code <unk>}, {@code </s>}, {@code <pad>}) and user-defined pieces typed in
 * the text are kept whole, as transformers registers them as added tokens.
 */
public final class SentencePieceModelFile {
    private static final int UNIGRAM = 1;
    private static final int NORMAL = 1;
    private static final int UNKNOWN = 2;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;

    private SentencePieceModelFile() {
    }

    public static UnigramTokenizer load(Path file) throws IOException {
        try {
            return parse(Files.readAllBytes(file));
        } catch (TokenizerException e) {
            throw new TokenizerException(file + ": " + e.getMessage(), e);
        }
    }

    static UnigramTokenizer parse(byte[] bytes) {
        List<String> pieces = new ArrayList<>();
        List<Double> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        int modelType = UNIGRAM;
        boolean byteFallback = false;
        int unkId = 0;
        int eosId = 2;
        int padId = -1;
        byte[] charsMap = new byte[0];
        boolean addDummyPrefix = true;
        boolean removeExtraWhitespaces = true;
        ProtobufReader model = new ProtobufReader(bytes);
        while (model.hasMore()) {
            int tag = model.tag();
            switch (tag >>> 3) {
                case 1 -> {
                    ProtobufReader.expect(tag, ProtobufReader.LENGTH_DELIMITED);
                    ProtobufReader p = model.message();
                    String piece = null;
                    float score = 0f;
                    int type = NORMAL;
                    while (p.hasMore()) {
                        int t = p.tag();
                        switch (t >>> 3) {
                            case 1 -> { ProtobufReader.expect(t, ProtobufReader.LENGTH_DELIMITED); piece = p.string(); }
                            case 2 -> { ProtobufReader.expect(t, ProtobufReader.FIXED32); score = p.fixed32Float(); }
                            case 3 -> { ProtobufReader.expect(t, ProtobufReader.VARINT); type = (int) p.varint(); }
                            default -> p.skip(t & 7);
                        }
                    }
                    if (piece == null || piece.isEmpty()) throw new TokenizerException("piece " + pieces.size() + " is empty");
                    pieces.add(piece);
                    scores.add((double) score);
                    types.add(type);
                }
                case 2 -> {
                    ProtobufReader.expect(tag, ProtobufReader.LENGTH_DELIMITED);
                    ProtobufReader spec = model.message();
                    while (spec.hasMore()) {
                        int t = spec.tag();
                        switch (t >>> 3) {
                            case 3 -> { ProtobufReader.expect(t, ProtobufReader.VARINT); modelType = (int) spec.varint(); }
                            case 35 -> { ProtobufReader.expect(t, ProtobufReader.VARINT); byteFallback = spec.varint() != 0; }
                            case 40 -> { ProtobufReader.expect(t, ProtobufReader.VARINT); unkId = (int) spec.varint(); }
                            case 42 -> { ProtobufReader.expect(t, ProtobufReader.VARINT); eosId = (int) spec.varint(); }
                            case 43 -> { ProtobufReader.expect(t, ProtobufReader.VARINT); padId = (int) spec.varint(); }
                            default -> spec.skip(t & 7);
                        }
                    }
                }
                case 3 -> {
                    ProtobufReader.expect(tag, ProtobufReader.LENGTH_DELIMITED);
                    ProtobufReader spec = model.message();
                    while (spec.hasMore()) {
                        int t = spec.tag();
                        switch (t >>> 3) {
                            case 2 -> { ProtobufReader.expect(t, ProtobufReader.LENGTH_DELIMITED); charsMap = spec.bytes(); }
                            case 3 -> { ProtobufReader.expect(t, ProtobufReader.VARINT); addDummyPrefix = spec.varint() != 0; }
                            case 4 -> { ProtobufReader.expect(t, ProtobufReader.VARINT); removeExtraWhitespaces = spec.varint() != 0; }
                            default -> spec.skip(t & 7);
                        }
                    }
                }
                default -> model.skip(tag & 7);
            }
        }
        if (modelType != UNIGRAM) {
            throw new TokenizerException("model_type " + modelType + " is not supported (only UNIGRAM = 1)");
        }
        if (pieces.isEmpty()) throw new TokenizerException("no pieces (not a SentencePiece model?)");
        UnigramModel unigram = new UnigramModel(pieces, scores, unkId, byteFallback);
        List<AddedVocabulary.AddedToken> added = new ArrayList<>();
        for (int i = 0; i < pieces.size(); i++) {
            int type = types.get(i);
            if (type == UNKNOWN || type == CONTROL || type == USER_DEFINED) added.add(AddedVocabulary.AddedToken.plain(pieces.get(i), i));
        }
        TextNormalizer normalizer = charsMap.length == 0 ? TextNormalizer.identity()
                : TextNormalizer.precompiled(new PrecompiledCharsMap(charsMap));
        MetaspacePreTokenizer pre = new MetaspacePreTokenizer(removeExtraWhitespaces, MetaspacePreTokenizer.META,
                addDummyPrefix ? MetaspacePreTokenizer.PrependScheme.ALWAYS : MetaspacePreTokenizer.PrependScheme.NEVER, true);
        int[] suffix = eosId >= 0 ? new int[] {eosId} : new int[0];
        return new UnigramTokenizer(new AddedVocabulary(added, normalizer), normalizer, pre, unigram, new int[0], suffix,
                padId >= 0 ? padId : 0);
    }
}
