package flowscale.runtime.search;

/** A clean-sample estimate and its reward (negative infinity when it or its reward was not finite). */
public record Candidate(float[] x0, double reward) {
    public Candidate {
        x0 = x0.clone();
    }

    @Override
    public float[] x0() {
        return x0.clone();
    }
}
