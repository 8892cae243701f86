package flowscale.runtime.cli;

/**
 * How {@code generate} wants a model opened: the kernel backend (image models; the analytic toys run on
 * the host and ignore it) and the classifier-free guidance scale (1 = off).
 */
public record ModelOptions(String backend, double guidanceScale) {
    public static final ModelOptions DEFAULTS = new ModelOptions("cpu", 1.0);

    public ModelOptions {
        if (backend == null || backend.isBlank()) throw new UserError("--backend must name a backend");
        if (!Double.isFinite(guidanceScale)) throw new UserError("--cfg must be a finite number, got " + guidanceScale);
    }
}
