package flowscale.runtime.reward;

/**
 * Colourfulness as Hasler and Süsstrunk define it ("Measuring colourfulness in natural images", SPIE Human Vision and
 * Electronic Imaging 2003): on the 8-bit RGB levels, the opponent channels {@code rg = R - G} and
 * {@code yb = (R + G)/2 - B}, then {@code M = sigma_rgyb + 0.3 mu_rgyb} with
 * {@code sigma_rgyb = sqrt(sigma_rg^2 + sigma_yb^2)} (population standard deviations over the pixels) and
 * {@code mu_rgyb = sqrt(mu_rg^2 + mu_yb^2)}.
 *
 * <p>The scale is the paper's: 0 for any grey image, and the paper's viewers called images above about 59 "quite
 * colourful" and above about 109 "extremely colourful".
 */
public final class Colourfulness implements PixelReward {
    @Override
    public String name() {
        return "colourfulness";
    }

    @Override
    public double score(float[] image, int height, int width) {
        Pixels.checkShape(image, height, width);
        if (!Pixels.finite(image)) return Double.NaN;
        int[] level = Pixels.levels(image);
        int plane = height * width;
        // Two passes (means, then deviations), so a flat image has a variance of exactly 0, not a rounding residue.
        double sumRg = 0, sumYb = 0;
        for (int i = 0; i < plane; i++) {
            int r = level[i], g = level[plane + i], b = level[2 * plane + i];
            sumRg += r - g;
            sumYb += 0.5 * (r + g) - b;
        }
        double muRg = sumRg / plane, muYb = sumYb / plane;
        double ssRg = 0, ssYb = 0;
        for (int i = 0; i < plane; i++) {
            int r = level[i], g = level[plane + i], b = level[2 * plane + i];
            double dRg = (r - g) - muRg, dYb = (0.5 * (r + g) - b) - muYb;
            ssRg += dRg * dRg;
            ssYb += dYb * dYb;
        }
        return Math.sqrt((ssRg + ssYb) / plane) + 0.3 * Math.sqrt(muRg * muRg + muYb * muYb);
    }
}
