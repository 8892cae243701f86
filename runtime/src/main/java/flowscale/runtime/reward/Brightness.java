package flowscale.runtime.reward;

/**
 * Closeness of the image's mean brightness to a target: {@code -|Y - target|}, in [-1, 0], 0 when the mean equals the
 * target. {@code Y} is the mean over pixels of Rec. 709 luma, {@code 0.2126 R' + 0.7152 G' + 0.0722 B'} on the 8-bit
 * levels scaled to [0, 1]: ITU-R BT.709's weights on the gamma-encoded values as stored (no linearisation, so luma
 * Y', not CIE relative luminance; Rec. 601's weights, 0.299/0.587/0.114, would give a slightly different number).
 *
 * <p>A target-brightness reward is the simplest model-free check that search moves an image where asked; the
 * absolute distance keeps its scale in brightness units, so "0.1 off" reads the same at any target.
 */
public final class Brightness implements PixelReward {
    /** Mid grey, the target of {@code --reward brightness}. */
    public static final double DEFAULT_TARGET = 0.5;

    private static final double KR = 0.2126, KG = 0.7152, KB = 0.0722;

    private final double target;

    /** The reward towards {@link #DEFAULT_TARGET}. */
    public Brightness() {
        this(DEFAULT_TARGET);
    }

    /** The reward towards {@code target} in [0, 1]; {@link IllegalArgumentException} otherwise. */
    public Brightness(double target) {
        if (!(target >= 0 && target <= 1)) throw new IllegalArgumentException("brightness target " + target + " not in [0, 1]");
        this.target = target;
    }

    public double target() {
        return target;
    }

    /** {@code brightness} at the default target, {@code brightness:T} otherwise (what {@code --reward} takes back). */
    @Override
    public String name() {
        return target == DEFAULT_TARGET ? "brightness" : "brightness:" + java.math.BigDecimal.valueOf(target).stripTrailingZeros().toPlainString();
    }

    @Override
    public double score(float[] image, int height, int width) {
        return -Math.abs(meanLuma(image, height, width) - target);
    }

    /** The mean Rec. 709 luma in [0, 1] of the 8-bit image, NaN for an image with a non-finite value. */
    static double meanLuma(float[] image, int height, int width) {
        Pixels.checkShape(image, height, width);
        if (!Pixels.finite(image)) return Double.NaN;
        int[] level = Pixels.levels(image);
        int plane = height * width;
        double sum = 0;
        for (int i = 0; i < plane; i++) {
            sum += KR * level[i] + KG * level[plane + i] + KB * level[2 * plane + i];
        }
        return sum / plane / 255.0;
    }
}
