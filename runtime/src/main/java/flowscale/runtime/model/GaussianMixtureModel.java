package flowscale.runtime.model;

import flowscale.kernels.Philox;

/**
 * Data from a Gaussian mixture {@code sum_k w_k N(mu_k, diag(s_k^2))}. On a path with (alpha, sigma) component k
 * becomes {@code N(alpha mu_k, V_k)}, {@code V_k = alpha^2 s_k^2 + sigma^2}; with responsibilities
 * {@code pi_k(x) ∝ w_k N(x; alpha mu_k, V_k)} (log-sum-exp),
 * {@code E[x0|x] = sum_k pi_k (mu_k + alpha s_k^2 (x - alpha mu_k)/V_k)},
 * {@code E[eps|x] = sum_k pi_k sigma (x - alpha mu_k)/V_k}, {@code score = -sum_k pi_k (x - alpha mu_k)/V_k}.
 */
public final class GaussianMixtureModel extends AnalyticModel {
    /** Philox stream tag for data samples, ASCII "DATA". */
    static final int DATA_TAG = 0x44415441;

    private final double[] weights;
    private final double[] logWeights;
    private final double[][] means;
    private final double[][] stds;

    /**
     * @param weights positive, normalised here
     * @param means   {@code K x dim}
     * @param stds    {@code K x dim} (diagonal) or {@code K x 1} (isotropic), all > 0
     */
    public GaussianMixtureModel(double[] weights, double[][] means, double[][] stds) {
        super(checkShape(weights, means, stds));
        int k = weights.length, d = means[0].length;
        double total = 0;
        for (double w : weights) {
            if (!(w > 0) || Double.isInfinite(w)) throw new IllegalArgumentException("mixture weights must be finite and > 0, got " + w);
            total += w;
        }
        this.weights = new double[k];
        this.logWeights = new double[k];
        this.means = new double[k][];
        this.stds = new double[k][d];
        for (int c = 0; c < k; c++) {
            this.weights[c] = weights[c] / total;
            this.logWeights[c] = Math.log(this.weights[c]);
            this.means[c] = means[c].clone();
            for (int j = 0; j < d; j++) {
                double s = stds[c].length == 1 ? stds[c][0] : stds[c][j];
                if (!(s > 0) || Double.isInfinite(s)) throw new IllegalArgumentException("component std must be finite and > 0, got " + s);
                this.stds[c][j] = s;
            }
        }
    }

    private static int checkShape(double[] weights, double[][] means, double[][] stds) {
        if (weights.length == 0 || means.length != weights.length || stds.length != weights.length) {
            throw new IllegalArgumentException("mixture needs K >= 1 weights, means and stds of equal count");
        }
        int d = means[0].length;
        for (int c = 0; c < means.length; c++) {
            if (means[c].length != d) throw new IllegalArgumentException("component means have different dimensions");
            if (stds[c].length != 1 && stds[c].length != d) throw new IllegalArgumentException("component std must have length 1 or " + d);
        }
        return d;
    }

    /**
     * Six modes on a circle of radius 3 (mode k at angle {@code k * 60} degrees), isotropic std 0.3, unequal
     * weights 0.30, 0.25, 0.20, 0.12, 0.08, 0.05 (mode 5 is the rarest, a natural search target). This is the
     * {@code toy:gmm-close} preset: at linear time 0.709, where a 10-step VP-SDE search hands over its final
     * Tweedie estimate, the scaled modes (0.87 apart) overlap under noise of std 0.71, so that estimate is a
     * blend of modes rather than a sample.
     */
    public static GaussianMixtureModel toy() {
        return ring(3.0);
    }

    /**
     * The {@code toy:gmm} preset: the same six weighted modes on a circle of radius 8. At linear time 0.709 the
     * scaled modes are 2.3 apart against noise of std 0.71, so the Tweedie estimate already commits to a mode —
     * the regime the paper's search relies on (FLUX.1-schnell's sharp clean-sample predictions).
     */
    public static GaussianMixtureModel separated() {
        return ring(8.0);
    }

    /** Six modes with the preset weights on a circle of the given radius, isotropic std 0.3. */
    public static GaussianMixtureModel ring(double radius) {
        double[] w = {0.30, 0.25, 0.20, 0.12, 0.08, 0.05};
        double[][] mu = new double[w.length][];
        double[][] sd = new double[w.length][];
        for (int k = 0; k < w.length; k++) {
            double a = 2.0 * Math.PI * k / w.length;
            mu[k] = new double[] {radius * Math.cos(a), radius * Math.sin(a)};
            sd[k] = new double[] {0.3};
        }
        return new GaussianMixtureModel(w, mu, sd);
    }

    public int components() { return weights.length; }
    public double[] weights() { return weights.clone(); }
    public double[][] means() { return deepCopy(means); }
    public double[][] stds() { return deepCopy(stds); }

    @Override
    public void posterior(double alpha, double sigma, double[] x, double[] cleanMean, double[] noiseMean, double[] score) {
        int k = weights.length, d = dim();
        double[] logp = new double[k];
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
            double quad = 0, det = 1;
            for (int j = 0; j < d; j++) {
                double v = alpha * alpha * stds[c][j] * stds[c][j] + sigma * sigma;
                double r = x[j] - alpha * means[c][j];
                quad += r * r / v;
                det *= v;
            }
            // one log per component; the product of d variances stays far from under/overflow for sane dims
            double l = logWeights[c] - 0.5 * (Math.log(det) + quad);
            logp[c] = l;
            max = Math.max(max, l);
        }
        double norm = 0;
        for (int c = 0; c < k; c++) {
            logp[c] = Math.exp(logp[c] - max);
            norm += logp[c];
        }
        for (int j = 0; j < d; j++) {
            double x0 = 0, sc = 0;
            for (int c = 0; c < k; c++) {
                double pi = logp[c] / norm;
                double s2 = stds[c][j] * stds[c][j];
                double v = alpha * alpha * s2 + sigma * sigma;
                double r = (x[j] - alpha * means[c][j]) / v;
                x0 += pi * (means[c][j] + alpha * s2 * r);
                sc -= pi * r;
            }
            if (cleanMean != null) cleanMean[j] = x0;
            if (noiseMean != null) noiseMean[j] = -sigma * sc;
            if (score != null) score[j] = sc;
        }
    }

    @Override
    public double[] dataMean() {
        int d = dim();
        double[] m = new double[d];
        for (int c = 0; c < weights.length; c++) for (int j = 0; j < d; j++) m[j] += weights[c] * means[c][j];
        return m;
    }

    /** {@code sum_k w_k (diag(s_k^2) + mu_k mu_k^T) - m m^T}. */
    @Override
    public double[][] dataCovariance() {
        int d = dim();
        double[] m = dataMean();
        double[][] cov = new double[d][d];
        for (int c = 0; c < weights.length; c++) {
            for (int a = 0; a < d; a++) {
                cov[a][a] += weights[c] * stds[c][a] * stds[c][a];
                for (int b = 0; b < d; b++) cov[a][b] += weights[c] * means[c][a] * means[c][b];
            }
        }
        for (int a = 0; a < d; a++) for (int b = 0; b < d; b++) cov[a][b] -= m[a] * m[b];
        return cov;
    }

    @Override
    public double marginalCdf(int j, double alpha, double sigma, double v) {
        double p = 0;
        for (int c = 0; c < weights.length; c++) {
            double sd = Math.sqrt(alpha * alpha * stds[c][j] * stds[c][j] + sigma * sigma);
            p += weights[c] * normalCdf((v - alpha * means[c][j]) / sd);
        }
        return p;
    }

    /**
     * Component of sample i from the uniform element i of stream {@code (key; DATA_TAG, 1, 0)} (inverse CDF of the
     * weights), its normals from elements {@code i * dim ...} of {@code (key; DATA_TAG, 0, 0)}.
     */
    @Override
    public void sampleData(long key, int n, float[][] out) {
        int d = dim();
        for (int i = 0; i < n; i++) {
            double u = Philox.uniform(key, DATA_TAG, 1, 0, i);
            int c = 0;
            double acc = weights[0];
            while (u > acc && c < weights.length - 1) acc += weights[++c];
            Philox.fillNormal(key, DATA_TAG, 0, 0, (long) i * d, out[i], 0, d);
            for (int j = 0; j < d; j++) out[i][j] = (float) (means[c][j] + stds[c][j] * out[i][j]);
        }
    }

    private static double[][] deepCopy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }

    @Override
    public String toString() {
        return "gmm(K=" + weights.length + ", dim=" + dim() + ")";
    }
}
