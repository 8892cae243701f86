package flowscale.runtime.model;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A velocity model whose data distribution is known in closed form (Gaussian, Gaussian mixture), so the
 * velocity, the posterior means and the score are exact on any interpolant {@code x = alpha x0 + sigma eps}.
 * As a {@link VelocityModel} it speaks the linear path ({@code alpha = 1 - t}, {@code sigma = t},
 * {@code u = E[eps | x] - E[x0 | x]}), ignores the condition and counts one NFE per latent.
 *
 * <p>The exact helpers take the path's coefficients as numbers so this package stays independent of
 * {@code flowscale.runtime.flow}.
 */
public abstract class AnalyticModel implements VelocityModel {
    private final int dim;
    private final AtomicLong nfe = new AtomicLong();

    protected AnalyticModel(int dim) {
        if (dim < 1) throw new IllegalArgumentException("dimension must be >= 1, got " + dim);
        this.dim = dim;
    }

    @Override public final int dim() { return dim; }
    @Override public final int[] shape() { return new int[] {dim}; }
    @Override public final int nfePerLatent() { return 1; }
    @Override public final long nfe() { return nfe.get(); }
    @Override public final void resetNfe() { nfe.set(0); }

    /**
     * Exact posterior quantities at {@code x} on a path with coefficients (alpha, sigma), sigma > 0 or alpha > 0:
     * {@code cleanMean = E[x0 | x]}, {@code noiseMean = E[eps | x]}, {@code score = grad log p(x)}. Any output may be null.
     */
    public abstract void posterior(double alpha, double sigma, double[] x, double[] cleanMean, double[] noiseMean, double[] score);

    /** Mean of the data distribution. */
    public abstract double[] dataMean();

    /** Covariance of the data distribution. */
    public abstract double[][] dataCovariance();

    /** CDF of coordinate {@code j} of {@code x = alpha x0 + sigma eps} at {@code v} (exact marginal of the path). */
    public abstract double marginalCdf(int j, double alpha, double sigma, double v);

    /** {@code out[i]} = exact data samples {@code x0}, deterministic in {@code key}. */
    public abstract void sampleData(long key, int n, float[][] out);

    /** Exact velocity {@code u = alphaDot E[x0|x] + sigmaDot E[eps|x]} on the path with the given coefficients. */
    public final void velocity(double alpha, double sigma, double alphaDot, double sigmaDot, double[] x, double[] out) {
        double[] x0 = new double[dim], eps = new double[dim];
        posterior(alpha, sigma, x, x0, eps, null);
        for (int j = 0; j < dim; j++) out[j] = alphaDot * x0[j] + sigmaDot * eps[j];
    }

    /** Linear-path velocity {@code u_t(x) = E[eps|x] - E[x0|x]}, computed in double. */
    @Override
    public final void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
        if (n < 0 || x.length < n || t.length < n || out.length < n) {
            throw new IllegalArgumentException("velocity: n = " + n + " exceeds an array length");
        }
        nfe.addAndGet(n);
        double[] xd = new double[dim], x0 = new double[dim], eps = new double[dim];
        for (int i = 0; i < n; i++) {
            double ti = t[i];
            if (!(ti >= 0.0 && ti <= 1.0)) throw new IllegalArgumentException("model time " + ti + " outside [0, 1]");
            float[] xi = x[i];
            for (int j = 0; j < dim; j++) xd[j] = xi[j];
            posterior(1.0 - ti, ti, xd, x0, eps, null);
            float[] oi = out[i];
            for (int j = 0; j < dim; j++) oi[j] = (float) (eps[j] - x0[j]);
        }
    }

    /** Standard normal CDF. */
    protected static double normalCdf(double z) {
        return 0.5 * org.apache.commons.math3.special.Erf.erfc(-z / Math.sqrt(2.0));
    }
}
