package flowscale.runtime.model;

/**
 * What turns a latent model's sample into the image it stands for (FLUX.1's tokens through its VAE), so that rewards
 * and outputs can look at pixels. Images are RGB, channel-major {@code [3, height, width]}, nominally in [-1, 1] and not
 * clamped. Not thread-safe; decoding one latent at a time, so an image depends on its latent only.
 */
public interface LatentDecoder extends AutoCloseable {
    /** Image rows. */
    int height();

    /** Image columns. */
    int width();

    /** Writes the image of {@code latent} (the model's {@link VelocityModel#dim()} floats) into {@code image}. */
    void decode(float[] latent, float[] image);

    /** The image of {@code latent}, in a new array. */
    default float[] decode(float[] latent) {
        float[] image = new float[3 * height() * width()];
        decode(latent, image);
        return image;
    }

    /** A one-line description, e.g. the VAE and where it runs. */
    String describe();

    @Override
    void close();
}
