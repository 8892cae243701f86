package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

import java.nio.file.Path;
import java.util.function.BiConsumer;

/**
 * A FLUX VAE decoder bound on a backend: latents as the transformer produces them (scaled) in, images in
 * about [-1, 1] out. The checkpoint stays mapped while the decoder lives (its conv weights are read in
 * place, in their stored dtype), so close the decoder when done. Buffers are allocated once per
 * (batch, latent size); the returned image is overwritten by the next call.
 */
public final class VaeDecoder implements AutoCloseable {
    private final VaeCheckpoint checkpoint;
    private final Backend backend;
    private final Decoder decoder;
    private Buffers buffers;
    private BiConsumer<String, Tensor> probe;

    private VaeDecoder(VaeCheckpoint checkpoint, Backend backend) {
        this.checkpoint = checkpoint;
        this.backend = backend;
        this.decoder = new Decoder(checkpoint, backend);
    }

    /** Recognises, checks and binds the VAE at {@code path} (file or diffusers folder); see {@link VaeCheckpoint#open}. */
    public static VaeDecoder load(Path path, Backend backend) {
        VaeCheckpoint ckpt = VaeCheckpoint.open(path);
        try {
            return new VaeDecoder(ckpt, backend);
        } catch (RuntimeException e) {
            ckpt.close();
            throw e;
        }
    }

    public VaeConfig config() {
        return checkpoint.config();
    }

    public VaeLayout layout() {
        return checkpoint.layout();
    }

    /** Sees the output of each decoder module (named by its BFL path) during the following calls; null to stop. */
    public void probe(BiConsumer<String, Tensor> probe) {
        this.probe = probe;
    }

    /** BFL's {@code AutoEncoder.decode}: {@code decoder(z / scale_factor + shift_factor)} for scaled latents {@code z [B, C, h, w]}. */
    public Tensor decode(Tensor z) {
        Buffers buf = buffersFor(z);
        backend.axpby((float) (1.0 / config().scaleFactor()), z, 1f, buf.shift, buf.latents);
        decoder.forward(backend, buf.latents, buf, buf.image, probe);
        return buf.image;
    }

    /** The decoder alone, on latents already un-scaled. */
    public Tensor decodeUnscaled(Tensor z) {
        Buffers buf = buffersFor(z);
        decoder.forward(backend, z, buf, buf.image, probe);
        return buf.image;
    }

    private Buffers buffersFor(Tensor z) {
        VaeConfig c = config();
        if (z.rank() != 4 || z.dim(1) != c.latentChannels() || z.dim(0) < 1 || z.dim(2) < 1 || z.dim(3) < 1) {
            throw new IllegalArgumentException("latents must be [B, " + c.latentChannels() + ", h, w] for this VAE, got "
                    + java.util.Arrays.toString(z.shape()));
        }
        int b = Math.toIntExact(z.dim(0)), h = Math.toIntExact(z.dim(2)), w = Math.toIntExact(z.dim(3));
        if (buffers == null || buffers.batch != b || buffers.height != h || buffers.width != w) {
            buffers = new Buffers(backend, c, b, h, w);
        }
        return buffers;
    }

    @Override
    public void close() {
        checkpoint.close();
    }
}
