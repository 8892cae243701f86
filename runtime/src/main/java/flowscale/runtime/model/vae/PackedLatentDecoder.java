package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;
import flowscale.runtime.model.LatentDecoder;

/**
 * FLUX.1's way from a sample to pixels: the transformer's tokens {@code [N, 4C]} of a {@code rows x cols} token grid
 * are unpacked ({@link LatentPacking}) into latents {@code [1, C, 2 rows, 2 cols]}, which the VAE un-scales and
 * decodes into an image {@code [3, 2 rows f, 2 cols f]} for the VAE's upsampling f. One latent per decoder pass, so an
 * image never depends on what else is decoded and the buffers are allocated once. Owns the decoder (closing this closes
 * it), not the backend.
 */
public final class PackedLatentDecoder implements LatentDecoder {
    private final VaeDecoder vae;
    private final Backend backend;
    private final int rows, cols, tokenFeatures, height, width;
    private final Tensor tokens, latents;

    /**
     * @param vae     a decoder bound on {@code backend}
     * @param rows    token rows of the transformer's grid
     * @param cols    token columns
     */
    public PackedLatentDecoder(VaeDecoder vae, Backend backend, int rows, int cols) {
        VaeConfig c = vae.config();
        if (rows < 1 || cols < 1) throw new IllegalArgumentException("token grid " + rows + " x " + cols + " is empty");
        if (c.outChannels() != 3) {
            throw new IllegalArgumentException("the VAE makes " + c.outChannels() + "-channel images; rewards and PNGs need 3");
        }
        this.vae = vae;
        this.backend = backend;
        this.rows = rows;
        this.cols = cols;
        this.tokenFeatures = c.latentChannels() * LatentPacking.PATCH * LatentPacking.PATCH;
        this.height = rows * LatentPacking.PATCH * c.upsampling();
        this.width = cols * LatentPacking.PATCH * c.upsampling();
        this.tokens = backend.allocate((long) rows * cols, tokenFeatures);
        this.latents = backend.allocate(1, c.latentChannels(), (long) rows * LatentPacking.PATCH, (long) cols * LatentPacking.PATCH);
    }

    /** Features of one token this decoder unpacks: 4x the VAE's latent channels. */
    public int tokenFeatures() {
        return tokenFeatures;
    }

    @Override
    public int height() {
        return height;
    }

    @Override
    public int width() {
        return width;
    }

    @Override
    public synchronized void decode(float[] latent, float[] image) {
        if (latent.length < rows * cols * tokenFeatures || image.length < 3 * height * width) {
            throw new IllegalArgumentException("decode: latent of " + latent.length + " floats for " + rows + " x " + cols + " tokens of "
                    + tokenFeatures + ", image of " + image.length + " for 3 x " + height + " x " + width);
        }
        backend.upload(latent, 0, tokens);
        LatentPacking.unpack(backend, tokens, latents);
        backend.download(vae.decode(latents), image, 0);
    }

    @Override
    public String describe() {
        return "VAE " + vae.layout() + " x" + vae.config().upsampling() + " on " + backend.name();
    }

    @Override
    public synchronized void close() {
        vae.close();
    }
}
