package flowscale.runtime.flow;

import java.util.Arrays;
import java.util.Locale;

/**
 * The diffusion coefficient {@code g(t) = norm * form(t)} of the SDE samplers (method.md §3.3; the reference
 * code's {@code diffusion_coefficient} and {@code diffusion_norm}). Evaluated on the sampler's own time
 * (the VP time s for {@code vp-sde}, as the code does). The default is {@code square} with norm 3, g = 3 t^2.
 * Note the convention: g multiplies the Wiener increment directly (SiT's {@code w_t} would be g^2/2).
 */
public record Diffusion(Form form, double norm) {

    public enum Form {
        /** g = norm. */
        CONSTANT,
        /** g = norm * sigma(t) of the sampling path. */
        SIGMA,
        /** g = norm * sin(pi t / 2). */
        SIN,
        /** g = norm * t. */
        LINEAR,
        /** g = norm * t^2 (the paper's g = 3 t^2). */
        SQUARE,
        /** g = norm * max(0, 2 (t - 0.5)). */
        CLIPPING,
        /** g = norm * exp(-((t - 1)/0.1)^2). */
        EXP,
        /** g = norm * tan(pi/2 * min(t, 0.95)). */
        TAN
    }

    /** No diffusion: the sampler is the probability-flow ODE. */
    public static final Diffusion NONE = new Diffusion(Form.CONSTANT, 0.0);
    /** The paper's choice, g = 3 t^2. */
    public static final Diffusion PAPER = new Diffusion(Form.SQUARE, 3.0);

    private static final double EXP_WIDTH = 0.1;
    private static final double TAN_CLIP = 0.95;

    public Diffusion {
        if (form == null) throw new IllegalArgumentException("diffusion form is null");
        if (!(norm >= 0) || Double.isInfinite(norm)) throw new IllegalArgumentException("diffusion norm must be finite and >= 0, got " + norm);
    }

    /** Parses {@code form[:norm]}, e.g. {@code square:3}, {@code sigma}, {@code none}; norm defaults to 3. */
    public static Diffusion parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        if (s.equals("none") || s.equals("0")) return NONE;
        int colon = s.indexOf(':');
        String formName = colon < 0 ? s : s.substring(0, colon);
        double norm = 3.0;
        if (colon >= 0) {
            try {
                norm = Double.parseDouble(s.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad diffusion norm in '" + spec + "'");
            }
        }
        for (Form f : Form.values()) {
            if (f.name().toLowerCase(Locale.ROOT).equals(formName)) return new Diffusion(f, norm);
        }
        throw new IllegalArgumentException("unknown diffusion form '" + formName + "'; known: none, "
                + Arrays.stream(Form.values()).map(f -> f.name().toLowerCase(Locale.ROOT)).toList());
    }

    public boolean isZero() {
        return norm == 0.0;
    }

    /** {@code g(t)} on the sampling path {@code path} (used only by {@link Form#SIGMA}). */
    public double at(double t, Interpolant path) {
        if (norm == 0.0) return 0.0;
        double shape = switch (form) {
            case CONSTANT -> 1.0;
            case SIGMA -> path.sigma(t);
            case SIN -> Math.sin(0.5 * Math.PI * t);
            case LINEAR -> t;
            case SQUARE -> t * t;
            case CLIPPING -> Math.max(0.0, 2.0 * (t - 0.5));
            case EXP -> {
                double z = (t - 1.0) / EXP_WIDTH;
                yield Math.exp(-z * z);
            }
            case TAN -> Math.tan(0.5 * Math.PI * Math.min(t, TAN_CLIP));
        };
        return norm * shape;
    }

    @Override
    public String toString() {
        return isZero() ? "none" : form.name().toLowerCase(Locale.ROOT) + ":" + norm;
    }
}
