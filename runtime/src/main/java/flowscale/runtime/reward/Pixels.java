package flowscale.runtime.reward;

import flowscale.runtime.data.Images;

/**
 * What the pixel rewards share: the shape check, the NaN rule and the 8-bit view of an image. Every pixel reward
 * judges the image as it would be saved (clamped to [-1, 1] and rounded to 8 bits by {@link Images#toByte}), so a
 * score depends only on what a user would see in the PNG.
 */
final class Pixels {
    private Pixels() {}

    /** {@link IllegalArgumentException} unless {@code image} is a {@code [3, height, width]} image. */
    static void checkShape(float[] image, int height, int width) {
        if (height < 1 || width < 1 || (long) 3 * height * width != image.length) {
            throw new IllegalArgumentException("image has " + image.length + " floats, expected 3*" + height + "*" + width);
        }
    }

    /** True if no value is NaN or infinite: a reward gives NaN for any other image, not a clamped guess. */
    static boolean finite(float[] image) {
        for (float v : image) {
            if (!Float.isFinite(v)) return false;
        }
        return true;
    }

    /** The 8-bit level (0..255) of every value, in the image's own channel-major order. */
    static int[] levels(float[] image) {
        int[] out = new int[image.length];
        for (int i = 0; i < image.length; i++) out[i] = Images.toByte(image[i]);
        return out;
    }
}
