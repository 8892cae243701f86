package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * The decoder's working memory for one (batch, latent height, latent width): the activation buffer, two
 * scratch buffers each as large as the largest activation of the pass, four token buffers for the mid-block
 * attention, the un-scaled latents and the image. Allocated once per shape; blocks take NCHW views of them.
 */
final class Buffers {
    final int batch, height, width;
    final Tensor activation, scratch1, scratch2;
    final Tensor q, k, v, attended;
    final Tensor latents, shift, image;

    Buffers(Backend backend, VaeConfig c, int batch, int height, int width) {
        this.batch = batch;
        this.height = height;
        this.width = width;
        long largest = 0;
        int levels = c.levels();
        for (int level = levels - 1; level >= 0; level--) {
            long pixels = (long) height * width << (2 * (levels - 1 - level));
            int widest = Math.max(c.channels(level), level == levels - 1 ? c.topChannels() : c.channels(level + 1));
            largest = Math.max(largest, widest * pixels);
        }
        largest *= batch;
        activation = backend.allocate(largest);
        scratch1 = backend.allocate(largest);
        scratch2 = backend.allocate(largest);
        long tokens = (long) batch * height * width;
        q = backend.allocate(tokens, c.topChannels());
        k = backend.allocate(tokens, c.topChannels());
        v = backend.allocate(tokens, c.topChannels());
        attended = backend.allocate(tokens, c.topChannels());
        latents = backend.allocate(batch, c.latentChannels(), height, width);
        shift = backend.allocate(batch, c.latentChannels(), height, width);
        backend.fill(shift, (float) c.shiftFactor());
        image = backend.allocate(batch, c.outChannels(), (long) height * c.upsampling(), (long) width * c.upsampling());
    }

    /** The first {@code b*c*h*w} floats of a flat buffer, seen as NCHW. */
    static Tensor image(Tensor flat, long b, long c, long h, long w) {
        return flat.flatRange(0, b * c * h * w).reshape(b, c, h, w);
    }
}
