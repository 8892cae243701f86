package flowscale.kernels.conformance;

/**
 * The bound on the {@linkplain ErrorMetric relative error} each op may show against the reference, all in
 * one place. The reference accumulates in double and rounds once, so these bound the candidate's own
 * float32 error on the suite's inputs (values in [-1, 1] unless a check says otherwise). Float32 has a unit
 * round-off of {@code u = 2^-24 ~ 6e-8}.
 */
public final class Tolerances {
    private Tolerances() {}

    /**
     * Pure data movement (upload, download, copy, fill, patchify, unpatchify): a moved float is the same
     * float, so any difference is a bug. Compared bit for bit.
     */
    public static final double EXACT = 0.0;

    /**
     * {@code normal} must equal {@code Philox.normal} bit for bit on every backend: noise is a pure function
     * of its coordinates by contract, so search results cannot depend on the backend.
     */
    public static final double NORMAL = 0.0;

    /** {@code max} selects one of its inputs; it involves no rounding at all. */
    public static final double MAX = 0.0;

    /**
     * Element-wise arithmetic (axpby, sdeUpdate, tweedie, combine, modulate, gatedAdd, addBroadcastRows, multiply): one to
     * three roundings of at most {@code u/2} each, relative to the largest output: a few {@code u},
     * so 1e-6 is ~16 u and leaves room for an FMA-or-not difference but not for a wrong coefficient.
     */
    public static final double ELEMENTWISE = 1e-6;

    /**
     * GELU, SiLU and quick GELU: one transcendental (tanh, exp) each. A vectorised backend may use a polynomial
     * approximation; 2e-6 allows ~1e-6 relative error in it on top of the arithmetic's few {@code u}.
     */
    public static final double ACTIVATION = 2e-6;

    /**
     * LayerNorm / RMSNorm over rows of up to 1024 columns (some rows with mean 2 to expose cancellation in
     * a one-pass variance): float32 sums of d terms have a typical error of {@code sqrt(d) u ~ 2e-6} at
     * d = 1024; 1e-5 is 5x that and still far below any visible effect on the model.
     */
    public static final double NORM = 1e-5;

    /**
     * GEMM and linear layers with K up to 1024: a float32 dot product of K terms in [-1, 1] has a typical
     * error of {@code sqrt(K) u} times the size of its terms, ~2e-6 relative to the largest output at
     * K = 1024; 2e-5 is 10x that and 5x below the 1e-4 that would start to matter.
     */
    public static final double GEMM = 2e-5;

    /**
     * Attention (plain, causal, or with an additive bias): a dot product of hd <= 64 terms (plus the bias, one
     * more rounding), a softmax over up to 130 keys (exp, a running max and rescaling in a blocked kernel) and a
     * weighted sum over the keys: three float32 stages, each ~1e-6 relative to the output (bounded by
     * max |v| = 1); 5e-5 leaves room for an approximate exp.
     */
    public static final double ATTENTION = 5e-5;

    /**
     * Timestep embedding with t up to 1000 (the DiT / flux timestep scale): if the backend forms the
     * argument {@code t * f} in float32, its rounding alone is up to {@code 1000 u ~ 6e-5} in phase, which
     * becomes the same absolute error in cos and sin. 1e-4 admits that and nothing larger.
     */
    public static final double TIMESTEP_EMBEDDING = 1e-4;

    /**
     * {@code sum} and {@code norm2} of up to 65537 elements, relative to max(1, |result|): float32 partial
     * sums per vector lane combined in double stay near 1e-6; a single float32 accumulator over the whole
     * tensor does not, and should fail here because these feed rewards and statistics.
     */
    public static final double REDUCTION = 1e-5;

    /**
     * conv2d: each output is a dot product of {@code K = Cin * kh * kw} terms (up to 128 * 9 = 1152 here)
     * plus a bias, the same error model as GEMM ({@code sqrt(K) u} relative to the largest output, ~2e-6 at
     * K = 1152); BF16 weights are widened exactly, so they add no error. Same bound as {@link #GEMM}.
     * (groupNorm is checked against {@link #NORM}: it is LayerNorm over a longer run, with the mean and
     * variance summed in blocks; upsampling moves floats and is {@link #EXACT}.)
     */
    public static final double CONV = 2e-5;
}
