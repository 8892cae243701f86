package flowscale.runtime.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Reads a Hugging Face {@code tokenizer.json} whose model is a SentencePiece unigram (T5's layout: a
 * Precompiled normaliser, WhitespaceSplit + Metaspace, a template post-processor appending {@code </s>}).
 * Every component it does not implement is refused by name rather than silently skipped, so a tokenizer that
 * loads is one whose ids can be trusted.
 */
public final class TokenizerJson {
    private TokenizerJson() {
    }

    public static UnigramTokenizer load(Path file) throws IOException {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new TokenizerException(file + ": malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new TokenizerException(file + ": not a JSON object");
        try {
            return parse(root, file.resolveSibling("tokenizer_config.json"));
        } catch (TokenizerException e) {
            throw new TokenizerException(file + ": " + e.getMessage(), e);
        }
    }

    private static UnigramTokenizer parse(JsonNode root, Path config) throws IOException {
        JsonNode model = root.path("model");
        String type = model.path("type").asText("(none)");
        if (!type.equals("Unigram")) {
            throw new TokenizerException("model type " + type + " is not supported (tokenizer.json is read for "
                    + "Unigram models; a CLIP BPE vocabulary is read from vocab.json + merges.txt)");
        }
        JsonNode vocab = model.path("vocab");
        if (!vocab.isArray()) throw new TokenizerException("model.vocab is not an array of [piece, score]");
        List<String> pieces = new ArrayList<>(vocab.size());
        List<Double> scores = new ArrayList<>(vocab.size());
        for (JsonNode entry : vocab) {
            if (!entry.isArray() || entry.size() != 2 || !entry.get(0).isTextual() || !entry.get(1).isNumber()) {
                throw new TokenizerException("model.vocab entry " + pieces.size() + " is not [piece, score]");
            }
            pieces.add(entry.get(0).asText());
            scores.add(entry.get(1).asDouble());
        }
        if (!model.path("unk_id").canConvertToInt()) {
            throw new TokenizerException("the Unigram model has no unk_id (not supported)");
        }
        UnigramModel unigram = new UnigramModel(pieces, scores, model.get("unk_id").asInt(),
                model.path("byte_fallback").asBoolean(false));

        List<AddedVocabulary.AddedToken> added = new ArrayList<>();
        Map<String, Integer> addedIds = new HashMap<>();
        for (JsonNode t : root.path("added_tokens")) {
            if (!t.path("content").isTextual() || !t.path("id").canConvertToInt()) {
                throw new TokenizerException("an added_tokens entry lacks content or id");
            }
            String content = t.get("content").asText();
            int id = t.get("id").asInt();
            // Hugging Face's defaults: a special token is matched unnormalised, any other token normalised.
            boolean special = t.path("special").asBoolean(false);
            added.add(new AddedVocabulary.AddedToken(content, id, t.path("lstrip").asBoolean(false),
                    t.path("rstrip").asBoolean(false), t.path("single_word").asBoolean(false),
                    t.path("normalized").asBoolean(!special)));
            addedIds.put(content, id);
        }
        int[][] template = template(root.path("post_processor"));
        TextNormalizer normalizer = normalizer(root.path("normalizer"));
        return new UnigramTokenizer(new AddedVocabulary(added, normalizer), normalizer,
                preTokenizer(root.path("pre_tokenizer")), unigram, template[0], template[1],
                padId(root, config, unigram, addedIds));
    }

    static TextNormalizer normalizer(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) return TextNormalizer.identity();
        String type = n.path("type").asText("(none)");
        return switch (type) {
            case "Sequence" -> {
                List<TextNormalizer> steps = new ArrayList<>();
                for (JsonNode step : n.path("normalizers")) steps.add(normalizer(step));
                yield TextNormalizer.sequence(steps);
            }
            case "Precompiled" -> {
                String b64 = n.path("precompiled_charsmap").asText("");
                if (b64.isEmpty()) yield TextNormalizer.identity();
                byte[] blob;
                try {
                    blob = Base64.getDecoder().decode(b64);
                } catch (IllegalArgumentException e) {
                    throw new TokenizerException("precompiled_charsmap is not base64: " + e.getMessage(), e);
                }
                yield TextNormalizer.precompiled(new PrecompiledCharsMap(blob));
            }
            case "NFC" -> TextNormalizer.unicode(Normalizer.Form.NFC);
            case "NFD" -> TextNormalizer.unicode(Normalizer.Form.NFD);
            case "NFKC" -> TextNormalizer.unicode(Normalizer.Form.NFKC);
            case "NFKD" -> TextNormalizer.unicode(Normalizer.Form.NFKD);
            case "Lowercase" -> TextNormalizer.lowercase();
            case "Strip" -> TextNormalizer.strip(n.path("strip_left").asBoolean(true), n.path("strip_right").asBoolean(true));
            case "Prepend" -> TextNormalizer.prepend(n.path("prepend").asText());
            case "Replace" -> {
                JsonNode p = n.path("pattern");
                Pattern pattern;
                if (p.has("String")) pattern = Pattern.compile(Pattern.quote(p.get("String").asText()));
                else if (p.has("Regex")) pattern = Pattern.compile(p.get("Regex").asText());
                else throw new TokenizerException("Replace normaliser without a String or Regex pattern");
                yield TextNormalizer.replace(pattern, n.path("content").asText());
            }
            default -> throw new TokenizerException("normaliser " + type + " is not supported");
        };
    }

    static MetaspacePreTokenizer preTokenizer(JsonNode n) {
        List<JsonNode> steps = new ArrayList<>();
        if (n.path("type").asText().equals("Sequence")) n.path("pretokenizers").forEach(steps::add);
        else if (!n.isMissingNode() && !n.isNull()) steps.add(n);
        boolean whitespace = false;
        JsonNode metaspace = null;
        for (JsonNode step : steps) {
            String type = step.path("type").asText("(none)");
            if (type.equals("WhitespaceSplit") && metaspace == null && !whitespace) whitespace = true;
            else if (type.equals("Metaspace") && metaspace == null) metaspace = step;
            else throw new TokenizerException("pre-tokeniser " + type + " is not supported here (a unigram "
                    + "tokenizer takes WhitespaceSplit then Metaspace)");
        }
        if (metaspace == null) throw new TokenizerException("a unigram tokenizer needs a Metaspace pre-tokeniser");
        String replacement = metaspace.path("replacement").asText(String.valueOf(MetaspacePreTokenizer.META));
        if (replacement.length() != 1) throw new TokenizerException("Metaspace replacement '" + replacement + "' is not one character");
        MetaspacePreTokenizer.PrependScheme scheme;
        if (metaspace.has("prepend_scheme")) {
            scheme = switch (metaspace.get("prepend_scheme").asText()) {
                case "always" -> MetaspacePreTokenizer.PrependScheme.ALWAYS;
                case "first" -> MetaspacePreTokenizer.PrependScheme.FIRST;
                case "never" -> MetaspacePreTokenizer.PrependScheme.NEVER;
                default -> throw new TokenizerException("Metaspace prepend_scheme " + metaspace.get("prepend_scheme") + " is unknown");
            };
        } else {
            scheme = metaspace.path("add_prefix_space").asBoolean(true)
                    ? MetaspacePreTokenizer.PrependScheme.ALWAYS : MetaspacePreTokenizer.PrependScheme.NEVER;
        }
        return new MetaspacePreTokenizer(whitespace, replacement.charAt(0), scheme, metaspace.path("split").asBoolean(true));
    }

    /** The ids a TemplateProcessing post-processor puts before and after a single sequence. */
    private static int[][] template(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) return new int[][] {{}, {}};
        String type = n.path("type").asText("(none)");
        if (!type.equals("TemplateProcessing")) throw new TokenizerException("post-processor " + type + " is not supported");
        List<Integer> before = new ArrayList<>();
        List<Integer> after = new ArrayList<>();
        boolean seenSequence = false;
        for (JsonNode item : n.path("single")) {
            if (item.has("Sequence")) {
                if (seenSequence) throw new TokenizerException("the single template has two sequences");
                seenSequence = true;
            } else if (item.has("SpecialToken")) {
                String name = item.get("SpecialToken").path("id").asText();
                JsonNode ids = n.path("special_tokens").path(name).path("ids");
                if (!ids.isArray() || ids.isEmpty()) throw new TokenizerException("template token " + name + " has no ids");
                for (JsonNode id : ids) (seenSequence ? after : before).add(id.asInt());
            } else {
                throw new TokenizerException("template item " + item + " is neither a Sequence nor a SpecialToken");
            }
        }
        if (!seenSequence) throw new TokenizerException("the single template has no sequence");
        return new int[][] {before.stream().mapToInt(Integer::intValue).toArray(), after.stream().mapToInt(Integer::intValue).toArray()};
    }

    /** The padding's id, else tokenizer_config.json's pad_token, else a {@code <pad>} piece, else 0 (T5's). */
    private static int padId(JsonNode root, Path config, UnigramModel model, Map<String, Integer> added) throws IOException {
        JsonNode padding = root.path("padding");
        if (padding.path("pad_id").canConvertToInt()) return padding.get("pad_id").asInt();
        String name = "<pad>";
        if (Files.isRegularFile(config)) {
            try {
                JsonNode pad = new ObjectMapper().readTree(config.toFile()).path("pad_token");
                if (pad.isTextual()) name = pad.asText();
                else if (pad.path("content").isTextual()) name = pad.get("content").asText();
            } catch (JsonProcessingException e) {
                throw new TokenizerException(config + ": malformed JSON: " + e.getOriginalMessage(), e);
            }
        }
        Integer id = added.containsKey(name) ? added.get(name) : model.id(name);
        return id == null ? 0 : id;
    }
}
