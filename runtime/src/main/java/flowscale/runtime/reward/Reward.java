package flowscale.runtime.reward;

import flowscale.runtime.model.Condition;

/**
 * A batched reward on clean-sample estimates (higher is better). The search calls it on the Tweedie
 * estimates of its particles; reward calls are counted apart from NFE. A reward may return NaN or an
 * infinity for a latent it cannot judge; the search never selects, accepts or resamples such a value.
 */
public interface Reward {

    /** Short name for traces and reports, e.g. {@code counting}. */
    String name();

    /** {@code scores[i] = r(x0[i] | cond[i])} for {@code i < n}. */
    void score(int n, float[][] x0, Condition[] cond, double[] scores);
}
