package flowscale.runtime.application;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsException;
import flowscale.runtime.UserError;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.PromptEmbedding;
import flowscale.runtime.model.flux.FluxCheckpoint;
import flowscale.runtime.model.flux.FluxConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * FLUX.1's prompts as text, for {@code generate --prompt}/{@code --prompts}: every distinct prompt is encoded once by
 * CLIP and T5 before the transformer is loaded (so the encoders' memory is free again when it is), on the backend the
 * run uses; the encoders are checked against the transformer's widths from its header first. Encoding is no NFE.
 */
public final class FluxTextPrompts {
    private FluxTextPrompts() {}

    /**
     * Where the text encoders are: {@code --clip} and {@code --t5} (both or neither), else a diffusers pipeline
     * folder's {@code text_encoder/} and {@code text_encoder_2/} when {@code --model} is one; null when neither.
     */
    public static TextEncoderFolders locate(Path model, Path clip, Path t5) {
        if ((clip == null) != (t5 == null)) {
            throw new UserError("give both --clip DIR and --t5 DIR (FLUX.1 reads CLIP's pooled vector and T5's token states)");
        }
        if (clip != null) return TextEncoderFolders.of(clip, t5);
        if (model != null && Files.isDirectory(model) && Files.isDirectory(model.resolve("text_encoder"))
                && Files.isDirectory(model.resolve("text_encoder_2"))) {
            return TextEncoderFolders.ofPipeline(model);
        }
        return null;
    }

    /**
     * The embedding of each distinct prompt of {@code prompts}, in their order.
     *
     * @param model       the FLUX.1 transformer (file or folder), read for its widths and variant only
     * @param ropeAxes    as {@code --rope-axes} (null: inferred)
     * @param t5MaxLength T5 tokens per prompt; null for the reference pipelines' default (schnell 256, dev 512)
     * @param backendName the backend the encoders run on
     * @param log         progress lines
     * @param warnings    one line per truncated prompt
     */
    public static Map<String, PromptEmbedding> encode(Path model, int[] ropeAxes, TextEncoderFolders folders, Integer t5MaxLength,
                                                      String backendName, List<String> prompts, Consumer<String> log,
                                                      Consumer<String> warnings) {
        FluxConfig config;
        try (FluxCheckpoint checkpoint = FluxCheckpoint.open(model, ropeAxes)) {
            config = checkpoint.config();
        } catch (CheckpointException | SafetensorsException e) {
            throw new UserError(e.getMessage(), e);
        }
        int length = t5MaxLength != null ? t5MaxLength : PromptEncoders.defaultT5MaxLength(config.guidanceEmbed());
        Backend backend;
        try {
            backend = Backends.create(backendName);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        Map<String, PromptEmbedding> out = new LinkedHashMap<>();
        try (backend; PromptEncoder encoder = PromptEncoders.open(folders, backend, length, warnings)) {
            encoder.requireWidths(config.contextDim(), config.vecDim());
            List<String> distinct = prompts.stream().distinct().toList();
            long start = System.nanoTime();
            for (int i = 0; i < distinct.size(); i++) {
                out.put(distinct.get(i), encoder.encode(distinct.get(i)));
                if (distinct.size() > 1 && (i + 1) % 8 == 0) log.accept("encoded " + (i + 1) + " of " + distinct.size() + " prompts");
            }
            log.accept(String.format(Locale.ROOT, "encoded %d prompt%s with CLIP and T5 (%d T5 tokens) on %s in %.1f s",
                    distinct.size(), distinct.size() == 1 ? "" : "s", length, backend.name(), (System.nanoTime() - start) / 1e9));
        }
        return out;
    }
}
