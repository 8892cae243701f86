package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * FLUX's 2x2 latent packing: the transformer sees a latent {@code [B, C, h, w]} as {@code (h/2)(w/2)}
 * tokens of {@code 4C} features, {@code "b c (h ph) (w pw) -> b (h w) (c ph pw)"} in BFL's
 * {@code sampling.py}: token (y, x) in row-major order, features ordered (channel, row in patch, column
 * in patch). That is the backend's {@code patchify} with patch 2, so packing is exact data movement.
 */
public final class LatentPacking {
    /** Latent pixels per token side. */
    public static final int PATCH = 2;

    private LatentPacking() {}

    /** {@code latents [B, C, h, w]} (contiguous) into {@code tokens [B*(h/2)*(w/2), 4C]}. */
    public static void pack(Backend backend, Tensor latents, Tensor tokens) {
        requireEven(latents);
        backend.patchify(latents, dim(latents, 1), dim(latents, 2), dim(latents, 3), PATCH, tokens);
    }

    /** The inverse of {@link #pack}: {@code tokens [B*(h/2)*(w/2), 4C]} into {@code latents [B, C, h, w]}. */
    public static void unpack(Backend backend, Tensor tokens, Tensor latents) {
        requireEven(latents);
        backend.unpatchify(tokens, dim(latents, 1), dim(latents, 2), dim(latents, 3), PATCH, latents);
    }

    /** Token count of a latent of {@code h x w}. */
    public static int tokens(int h, int w) {
        return (h / PATCH) * (w / PATCH);
    }

    private static void requireEven(Tensor latents) {
        if (latents.rank() != 4 || latents.dim(2) % PATCH != 0 || latents.dim(3) % PATCH != 0) {
            throw new IllegalArgumentException("latents " + java.util.Arrays.toString(latents.shape())
                    + " must be [B, C, h, w] with h and w even to pack into 2x2 tokens");
        }
    }

    private static int dim(Tensor t, int i) {
        return Math.toIntExact(t.dim(i));
    }
}
