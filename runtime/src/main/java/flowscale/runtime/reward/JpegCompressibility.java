package flowscale.runtime.reward;

/**
 * DDPO's JPEG compressibility (Black et al. 2023): minus the size of the image as a quality-95 JPEG, in kilobytes
 * (see {@link JpegSize}). Higher means smaller files: flat regions, smooth gradients, little texture or noise.
 */
public final class JpegCompressibility implements PixelReward {
    @Override
    public String name() {
        return "jpeg-compressibility";
    }

    @Override
    public double score(float[] image, int height, int width) {
        return -JpegSize.kilobytes(image, height, width);
    }
}
