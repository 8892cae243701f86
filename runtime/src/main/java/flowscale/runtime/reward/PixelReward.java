package flowscale.runtime.reward;

/**
 * A reward that judges a decoded image by its pixels alone, whatever model made it and whatever its size (higher is
 * better): the model-free rewards that let search run on FLUX.1 without a learned scorer. A latent model's search
 * reaches it through a reward that decodes its estimates first.
 */
public interface PixelReward {

    /** Short name for traces, reports and {@code --reward}, e.g. {@code jpeg-compressibility}. */
    String name();

    /**
     * The score of one RGB image, channel-major ({@code [3, height, width]}), values nominally in [-1, 1] as a decoder
     * writes them (not clamped: a reward clamps where its measure needs pixels). NaN for an image it cannot judge.
     */
    double score(float[] image, int height, int width);
}
