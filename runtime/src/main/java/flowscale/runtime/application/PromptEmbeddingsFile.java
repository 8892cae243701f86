package flowscale.runtime.application;

import flowscale.loader.SafetensorsException;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.TensorInfo;
import flowscale.runtime.UserError;
import flowscale.runtime.model.PromptEmbedding;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A {@code --prompt-embeds} file: one prompt's text-encoder outputs as safetensors, tensor {@code txt [L, D_txt]}
 * (T5's token states for FLUX.1) and {@code vec [D_vec]} (CLIP's pooled output). diffusers' names
 * {@code prompt_embeds} and {@code pooled_prompt_embeds} are accepted too, and so is the leading batch dimension of 1
 * that diffusers saves ({@code [1, L, D]}, {@code [1, D]}). F32, BF16, F16 and F64 are read and widened. Every problem
 * is one {@link UserError} line.
 */
public final class PromptEmbeddingsFile {
    public static final List<String> TXT_NAMES = List.of("txt", "prompt_embeds");
    public static final List<String> VEC_NAMES = List.of("vec", "pooled_prompt_embeds");

    private PromptEmbeddingsFile() {}

    public static PromptEmbedding read(Path file) {
        String what = "--prompt-embeds " + file;
        if (!Files.isRegularFile(file)) throw new UserError(what + ": no such file");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorInfo txt = find(f, TXT_NAMES, what), vec = find(f, VEC_NAMES, what);
            long[] ts = withoutBatch(txt, 2, "[L, D_txt]", what), vs = withoutBatch(vec, 1, "[D_vec]", what);
            if (ts[0] < 1 || ts[1] < 1 || vs[0] < 1) {
                throw new UserError(what + ": " + txt.name() + " " + txt.shapeString() + " and " + vec.name() + " " + vec.shapeString()
                        + " must not be empty");
            }
            float[] t = values(f, txt, what), v = values(f, vec, what);
            return new PromptEmbedding(Math.toIntExact(ts[0]), t, v);
        } catch (SafetensorsException e) {
            throw new UserError(what + " is not a readable safetensors file: " + UserError.oneLine(e.getMessage()), e);
        }
    }

    private static TensorInfo find(SafetensorsFile f, List<String> names, String what) {
        for (String n : names) {
            Optional<TensorInfo> t = f.find(n);
            if (t.isPresent()) return t.get();
        }
        throw new UserError(what + " has no tensor " + String.join(" or ", names) + " (it has: "
                + f.tensors().stream().limit(8).map(TensorInfo::name).collect(Collectors.joining(", ")) + ")");
    }

    /** The shape without a leading batch of 1; anything else of the wrong rank is refused. */
    private static long[] withoutBatch(TensorInfo t, int rank, String expected, String what) {
        long[] s = t.shape();
        if (s.length == rank + 1 && s[0] == 1) return Arrays.copyOfRange(s, 1, s.length);
        if (s.length == rank + 1) {
            throw new UserError(what + ": " + t.name() + " " + t.shapeString() + " holds a batch of " + s[0]
                    + " prompts; give one prompt's embeddings (" + expected + " or with a batch of 1)");
        }
        if (s.length != rank) throw new UserError(what + ": " + t.name() + " is " + t.shapeString() + ", expected " + expected);
        return s;
    }

    private static float[] values(SafetensorsFile f, TensorInfo t, String what) {
        if (!t.dtype().isFloatConvertible()) {
            throw new UserError(what + ": " + t.name() + " is " + t.dtype().safetensorsName() + "; expected F32, BF16, F16 or F64");
        }
        float[] v = f.toFloatArray(t.name());
        for (float x : v) {
            if (!Float.isFinite(x)) throw new UserError(what + ": " + t.name() + " holds a non-finite value");
        }
        return v;
    }
}
