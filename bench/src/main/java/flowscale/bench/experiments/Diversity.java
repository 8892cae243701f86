package flowscale.bench.experiments;

import flowscale.runtime.search.Candidate;

import java.util.ArrayList;
import java.util.List;

/**
 * Diversity of one search: the mean pairwise RMS distance between its final candidates (the clean estimates
 * the search ends with, one per surviving chain / parent / particle: RBF's two chains, SVDD/CoDe's two parents,
 * BoN's N samples), {@code mean over pairs i<j of sqrt(mean_k (a_k − b_k)^2)} in the images' [-1, 1] pixel
 * units. Candidates without a finite reward are left out; NaN for fewer than two. It stands in for the paper's
 * LPIPS-MPD (v5 Table 1), which needs a perceptual network we do not have.
 */
public final class Diversity {
    private Diversity() {}

    public static double meanPairwiseRms(List<Candidate> candidates) {
        List<float[]> xs = new ArrayList<>();
        for (Candidate c : candidates) {
            if (c.reward() != Double.NEGATIVE_INFINITY && !Double.isNaN(c.reward())) xs.add(c.x0());
        }
        int n = xs.size();
        if (n < 2) return Double.NaN;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) sum += rms(xs.get(i), xs.get(j));
        }
        return sum / ((double) n * (n - 1) / 2);
    }

    static double rms(float[] a, float[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("candidates differ in size: " + a.length + " vs " + b.length);
        double ss = 0;
        for (int k = 0; k < a.length; k++) {
            double d = (double) a[k] - b[k];
            ss += d * d;
        }
        return Math.sqrt(ss / a.length);
    }
}
