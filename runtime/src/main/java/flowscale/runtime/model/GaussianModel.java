package flowscale.runtime.model;

import flowscale.kernels.Philox;

/**
 * Data {@code x0 ~ N(m, diag(s0^2))}. On a path with (alpha, sigma), {@code x ~ N(alpha m, V)},
 * {@code V = alpha^2 s0^2 + sigma^2}, so per coordinate (method.md §8 invariant 4):
 * {@code E[x0|x] = m + alpha s0^2 (x - alpha m)/V}, {@code E[eps|x] = sigma (x - alpha m)/V},
 * {@code score = -(x - alpha m)/V}.
 */
public final class GaussianModel extends AnalyticModel {
    private final double[] mean;
    private final double[] std;

    public GaussianModel(double[] mean, double[] std) {
        super(mean.length);
        if (std.length != mean.length) throw new IllegalArgumentException("mean and std lengths differ");
        for (double s : std) if (!(s > 0) || Double.isInfinite(s)) throw new IllegalArgumentException("std must be finite and > 0, got " + s);
        this.mean = mean.clone();
        this.std = std.clone();
    }

    /** The {@code toy:gaussian} preset: 2-D, mean (1, -0.5), std (0.5, 0.3). */
    public static GaussianModel toy() {
        return new GaussianModel(new double[] {1.0, -0.5}, new double[] {0.5, 0.3});
    }

    public double[] mean() { return mean.clone(); }
    public double[] std() { return std.clone(); }

    @Override
    public void posterior(double alpha, double sigma, double[] x, double[] cleanMean, double[] noiseMean, double[] score) {
        for (int j = 0; j < mean.length; j++) {
            double s2 = std[j] * std[j];
            double v = alpha * alpha * s2 + sigma * sigma;
            double r = (x[j] - alpha * mean[j]) / v;
            if (cleanMean != null) cleanMean[j] = mean[j] + alpha * s2 * r;
            if (noiseMean != null) noiseMean[j] = sigma * r;
            if (score != null) score[j] = -r;
        }
    }

    @Override
    public double[] dataMean() {
        return mean.clone();
    }

    @Override
    public double[][] dataCovariance() {
        double[][] c = new double[mean.length][mean.length];
        for (int j = 0; j < mean.length; j++) c[j][j] = std[j] * std[j];
        return c;
    }

    @Override
    public double marginalCdf(int j, double alpha, double sigma, double v) {
        double sd = Math.sqrt(alpha * alpha * std[j] * std[j] + sigma * sigma);
        return normalCdf((v - alpha * mean[j]) / sd);
    }

    /** Normals from Philox stream {@code (key; DATA_TAG, 0, 0)}, element {@code i * dim + j}. */
    @Override
    public void sampleData(long key, int n, float[][] out) {
        int d = mean.length;
        for (int i = 0; i < n; i++) {
            Philox.fillNormal(key, GaussianMixtureModel.DATA_TAG, 0, 0, (long) i * d, out[i], 0, d);
            for (int j = 0; j < d; j++) out[i][j] = (float) (mean[j] + std[j] * out[i][j]);
        }
    }

    @Override
    public String toString() {
        return "gaussian(dim=" + mean.length + ")";
    }
}
