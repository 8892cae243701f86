package flowscale.runtime.application;

import flowscale.runtime.UserError;
import flowscale.runtime.model.PromptEmbedding;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What opening a FLUX.1 pipeline takes besides the backend: the VAE ({@code --vae}; null to use a pipeline folder's
 * {@code vae/}), the image size ({@code --size WxH}; null for the default), the embedded guidance of a dev-style model
 * ({@code --guidance}; null for BFL's 3.5), the RoPE axes of a checkpoint whose file does not state them
 * ({@code --rope-axes}; null to infer them, see {@link flowscale.runtime.model.flux.FluxCheckpoint#open(Path, int[])}), the text tokens the memory plan assumes (0: BFL's maximum), and the text
 * encoders as a function from prompt text to embeddings (null when none are loaded; then prompts arrive as
 * {@code --prompt-embeds}). Other model kinds refuse every option given here ({@link #refuseFor}).
 */
public record FluxOptions(Path vae, String size, Double guidance, int[] ropeAxes, int textTokens,
                          Function<String, PromptEmbedding> textEncoder) {
    public static final FluxOptions NONE = new FluxOptions(null, null, null, null, 0, null);

    public FluxOptions {
        ropeAxes = ropeAxes == null ? null : ropeAxes.clone();
        if (textTokens < 0) throw new IllegalArgumentException("text tokens must be >= 0, got " + textTokens);
        if (guidance != null && !(Double.isFinite(guidance) && guidance >= 0 && guidance <= 100)) {
            throw new UserError("--guidance must be a number in 0..100, got " + guidance);
        }
    }

    @Override
    public int[] ropeAxes() {
        return ropeAxes == null ? null : ropeAxes.clone();
    }

    /** The options of this record the user gave, by their flag names. */
    public List<String> given() {
        List<String> flags = new ArrayList<>();
        if (vae != null) flags.add("--vae");
        if (size != null) flags.add("--size");
        if (guidance != null) flags.add("--guidance");
        if (ropeAxes != null) flags.add("--rope-axes");
        return flags;
    }

    /** Refuses, in one line, FLUX options given for {@code model}, a model of another kind. */
    public void refuseFor(String model) {
        List<String> flags = given();
        if (!flags.isEmpty()) {
            throw new UserError(String.join(", ", flags) + (flags.size() == 1 ? " applies" : " apply") + " to FLUX.1 models; "
                    + model + " is not one (drop " + String.join(", ", flags) + ")");
        }
    }
}
