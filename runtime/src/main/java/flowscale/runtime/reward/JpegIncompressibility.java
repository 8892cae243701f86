package flowscale.runtime.reward;

/**
 * DDPO's JPEG incompressibility (Black et al. 2023): the size of the image as a quality-95 JPEG, in kilobytes (see
 * {@link JpegSize}). Higher means larger files: fine detail, texture and noise.
 */
public final class JpegIncompressibility implements PixelReward {
    @Override
    public String name() {
        return "jpeg-incompressibility";
    }

    @Override
    public double score(float[] image, int height, int width) {
        return JpegSize.kilobytes(image, height, width);
    }
}
