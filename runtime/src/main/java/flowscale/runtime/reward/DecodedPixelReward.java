package flowscale.runtime.reward;

import flowscale.runtime.model.Condition;
import flowscale.runtime.model.LatentDecoder;

/**
 * A {@link PixelReward} on a latent model's estimates: each estimate is decoded ({@link LatentDecoder}, for FLUX.1 the
 * token unpacking and the VAE) and the image scored. An estimate or image with a non-finite value scores NaN, which
 * the search never selects. The condition is not read: these rewards judge pixels alone. Searches that run together
 * (generate --concurrent-searches) share one reward: its calls take turns.
 */
public final class DecodedPixelReward implements Reward {
    private final PixelReward pixels;
    private final LatentDecoder decoder;
    private float[] image = new float[0];

    public DecodedPixelReward(PixelReward pixels, LatentDecoder decoder) {
        this.pixels = pixels;
        this.decoder = decoder;
    }

    @Override
    public String name() {
        return pixels.name();
    }

    public PixelReward pixelReward() {
        return pixels;
    }

    @Override
    public synchronized void score(int n, float[][] x0, Condition[] cond, double[] scores) {
        if (n < 0 || n > x0.length || n > scores.length) {
            throw new IllegalArgumentException("batch of " + n + " does not fit arrays of " + x0.length + ", " + scores.length);
        }
        int h = decoder.height(), w = decoder.width();
        if (image.length != 3 * h * w) image = new float[3 * h * w];
        for (int i = 0; i < n; i++) {
            if (!finite(x0[i])) {
                scores[i] = Double.NaN;
                continue;
            }
            decoder.decode(x0[i], image);
            scores[i] = finite(image) ? pixels.score(image, h, w) : Double.NaN;
        }
    }

    private static boolean finite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) return false;
        }
        return true;
    }
}
