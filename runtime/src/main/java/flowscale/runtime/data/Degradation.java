package flowscale.runtime.data;

import java.util.SplittableRandom;

/**
 * Ways a generated image differs from a world image, for measuring detector robustness: Gaussian
 * blur and additive Gaussian noise (in the model's [-1, 1] units). Both return new arrays.
 */
public final class Degradation {
    private Degradation() {
    }

    /** Separable Gaussian blur of each channel, kernel radius ceil(3 sigma), replicated borders. */
    public static float[] gaussianBlur(float[] img, int h, int w, double sigma) {
        Images.checkLength(img, h, w);
        if (!(sigma > 0)) throw new IllegalArgumentException("blur sigma " + sigma + " must be > 0");
        int r = (int) Math.ceil(3 * sigma);
        double[] k = new double[2 * r + 1];
        double sum = 0;
        for (int i = -r; i <= r; i++) {
            k[i + r] = Math.exp(-0.5 * i * i / (sigma * sigma));
            sum += k[i + r];
        }
        for (int i = 0; i < k.length; i++) k[i] /= sum;
        float[] out = new float[img.length];
        double[] tmp = new double[h * w];
        int plane = h * w;
        for (int c = 0; c < 3; c++) {
            int base = c * plane;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double acc = 0;
                    for (int i = -r; i <= r; i++) {
                        int xx = Math.min(w - 1, Math.max(0, x + i));
                        acc += k[i + r] * img[base + y * w + xx];
                    }
                    tmp[y * w + x] = acc;
                }
            }
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    double acc = 0;
                    for (int i = -r; i <= r; i++) {
                        int yy = Math.min(h - 1, Math.max(0, y + i));
                        acc += k[i + r] * tmp[yy * w + x];
                    }
                    out[base + y * w + x] = (float) acc;
                }
            }
        }
        return out;
    }

    /** Adds independent N(0, std^2) noise to every value (not clamped: the model's output is not either). */
    public static float[] addNoise(float[] img, double std, SplittableRandom rng) {
        if (!(std >= 0)) throw new IllegalArgumentException("noise std " + std + " must be >= 0");
        float[] out = img.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (out[i] + std * rng.nextGaussian());
        }
        return out;
    }
}
