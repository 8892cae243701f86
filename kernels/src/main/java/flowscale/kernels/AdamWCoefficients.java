package flowscale.kernels;

/**
 * The per-step scalars of an AdamW update, computed once in double on the host so that every backend
 * applies exactly the same step: {@code param = param * decay - stepSize * m / (sqrt(v) * rootCorrection2Inverse + eps)},
 * which is {@link TrainingBackend#adamw}'s formula with the bias corrections folded in.
 *
 * @param decay                  {@code 1 - lr * weightDecay}
 * @param stepSize               {@code lr / (1 - beta1^t)}
 * @param rootCorrection2Inverse {@code 1 / sqrt(1 - beta2^t)}
 */
public record AdamWCoefficients(double decay, double stepSize, double rootCorrection2Inverse) {

    /** Validates the hyper-parameters (one-line messages) and folds them for step {@code step >= 1}. */
    public AdamWCoefficients(float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
        validate(lr, beta1, beta2, eps, weightDecay, step);
        this(1.0 - (double) lr * weightDecay, lr / (1.0 - Math.pow(beta1, step)), 1.0 / Math.sqrt(1.0 - Math.pow(beta2, step)));
    }

    private static void validate(float lr, float beta1, float beta2, float eps, float weightDecay, long step) {
        if (step < 1) throw new IllegalArgumentException("adamw: step " + step + " must be >= 1");
        if (!(lr >= 0.0f) || !Float.isFinite(lr)) throw new IllegalArgumentException("adamw: lr " + lr + " must be finite and >= 0");
        if (!(beta1 >= 0.0f && beta1 < 1.0f)) throw new IllegalArgumentException("adamw: beta1 " + beta1 + " must be in [0, 1)");
        if (!(beta2 >= 0.0f && beta2 < 1.0f)) throw new IllegalArgumentException("adamw: beta2 " + beta2 + " must be in [0, 1)");
        if (!(eps > 0.0f) || !Float.isFinite(eps)) throw new IllegalArgumentException("adamw: eps " + eps + " must be finite and > 0");
        if (!(weightDecay >= 0.0f) || !Float.isFinite(weightDecay)) {
            throw new IllegalArgumentException("adamw: weightDecay " + weightDecay + " must be finite and >= 0");
        }
    }
}
