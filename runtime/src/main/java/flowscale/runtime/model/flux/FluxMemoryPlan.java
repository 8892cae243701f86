package flowscale.runtime.model.flux;

import flowscale.loader.DType;
import flowscale.loader.TensorInfo;
import flowscale.runtime.model.CheckpointException;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * What running a FLUX checkpoint holds in memory, worked out from its header alone, before any weight is bound:
 * the weights as bound ({@link FluxWeights}: BF16, F16 and F8_E4M3 matrices in one packed copy of their own width
 * (2 or 1 bytes per weight), F32 matrices
 * uploaded and packed, which is two float32 copies, biases and norm scales widened) and the activations of
 * {@link FluxWorkspace} for a batch at an image size. The mapped file itself is page cache the OS can drop.
 *
 * @param storedBytes    bytes of the transformer's tensors in the file, per dtype
 * @param weightBytes    bytes the bound weights occupy
 * @param activationBytes bytes of the activation buffers for {@code batch} images of {@code imageTokens} tokens
 */
public record FluxMemoryPlan(Map<DType, Long> storedBytes, long weightBytes, long activationBytes, int batch, int imageTokens,
                             int textTokens) {

    /** FLUX.1's latent is 1/8 of the image, packed 2x2 into tokens: one token per 16 x 16 pixels. */
    public static final int PIXELS_PER_TOKEN = 16;

    public static FluxMemoryPlan of(FluxCheckpoint checkpoint, int batch, int imageHeight, int imageWidth, int textTokens) {
        if (imageHeight % PIXELS_PER_TOKEN != 0 || imageWidth % PIXELS_PER_TOKEN != 0 || imageHeight <= 0 || imageWidth <= 0) {
            throw new IllegalArgumentException("image size " + imageWidth + "x" + imageHeight + " is not a positive multiple of "
                    + PIXELS_PER_TOKEN + " (8x VAE downsampling, then 2x2 packing)");
        }
        return ofTokens(checkpoint, batch, (imageHeight / PIXELS_PER_TOKEN) * (imageWidth / PIXELS_PER_TOKEN), textTokens);
    }

    /** The plan for {@code batch} items of {@code imageTokens} packed latent tokens and {@code textTokens} text tokens. */
    public static FluxMemoryPlan ofTokens(FluxCheckpoint checkpoint, int batch, int imageTokens, int textTokens) {
        if (batch < 1 || imageTokens < 1 || textTokens < 0) {
            throw new IllegalArgumentException("batch " + batch + ", image tokens " + imageTokens + ", text tokens " + textTokens);
        }
        Map<DType, Long> stored = new EnumMap<>(DType.class);
        long weights = 0;
        for (String key : FluxKeyMap.storedTensors(checkpoint.keyMap()).keySet()) {
            TensorInfo t = checkpoint.info(key);
            stored.merge(t.dtype(), t.byteSize(), Long::sum);
            if (t.rank() == 2) weights += t.dtype() == DType.F32 ? 2 * t.byteSize() : t.byteSize();
            else weights += 4 * t.elementCount();
        }
        int tokens = imageTokens;
        FluxConfig c = checkpoint.config();
        long activations = 4 * (FluxWorkspace.floats(c, batch, tokens, textTokens) + (long) (tokens + textTokens) * c.headDim());
        return new FluxMemoryPlan(stored, weights, activations, batch, tokens, textTokens);
    }

    public long totalBytes() {
        return weightBytes + activationBytes;
    }

    /** Refuses, in one line, a plan that needs more than {@code availableBytes}. */
    public void requireFits(long availableBytes) {
        if (totalBytes() > availableBytes) {
            throw new CheckpointException("FLUX needs " + gb(totalBytes()) + " (" + this + ") but only " + gb(availableBytes)
                    + " is available; use a smaller batch or image size, or a machine with more memory");
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("weights ");
        String sep = "";
        for (Map.Entry<DType, Long> e : storedBytes.entrySet()) {
            sb.append(sep).append(e.getKey().safetensorsName()).append(' ').append(gb(e.getValue()));
            sep = " + ";
        }
        return sb.append(" stored, ").append(gb(weightBytes)).append(" bound; activations ").append(gb(activationBytes))
                .append(" for ").append(batch).append(batch == 1 ? " image" : " images").append(" of ").append(imageTokens)
                .append(" image + ").append(textTokens).append(" text tokens; total ").append(gb(totalBytes())).toString();
    }

    /** Bytes in GB with two decimals, or MB / kB below a GB (a tiny model's plan is not all zeros). */
    private static String gb(long bytes) {
        if (bytes >= 1e9) return String.format(Locale.ROOT, "%.2f GB", bytes / 1e9);
        if (bytes >= 1e6) return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
        return String.format(Locale.ROOT, "%.1f kB", bytes / 1e3);
    }
}
