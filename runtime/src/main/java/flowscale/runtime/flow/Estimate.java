package flowscale.runtime.flow;

import flowscale.runtime.model.VelocityModel;

import java.util.Locale;

/**
 * How a sampler gets the clean estimate x̂₀ that every reward sees (and that a search returns), and which model
 * output drives the step. A few-step model ({@link VelocityModel#takesStepSize()}) offers the one-step estimate
 * {@code x̂₀ = x_t - t s(x_t, t, d = t)}; FLUX.1-schnell, which the paper searches, is such a model, and its
 * sampler uses one output for both the step and the estimate.
 *
 * <ul>
 *   <li>{@link #TWEEDIE}: the velocity (d = 0) serves the step and its Tweedie estimate {@code x - t u} the reward:
 *       what a plain flow model can do (the blurred posterior mean at large t). One latent evaluation.</li>
 *   <li>{@link #SCHNELL}: the paper's accounting on schnell, one latent evaluation per candidate: the output at
 *       {@code d} = the step it serves (from this grid time to the next, in the model's linear time) drives the
 *       step (as the velocity, score and VP conversion included) and gives the estimate {@code x - t s}; at the last
 *       evaluated time the step goes to 0, so d = t and the returned image is the exact one-step jump. The
 *       intermediate estimates extrapolate the step's mean velocity to t = 0, and the SDE's score is built from a
 *       mean velocity, as on schnell.</li>
 *   <li>{@link #FAITHFUL}: the SDE stays exact: the velocity at d = 0 drives the step (so the score and the VP
 *       conversion are those of the flow), and a second output at d = t gives the one-step estimate; two latent
 *       evaluations for every estimate (one batched call), one for a step whose estimate nobody reads.</li>
 *   <li>{@link #AUTO}: {@link #SCHNELL} for a model with a step-size input, {@link #TWEEDIE} otherwise.</li>
 * </ul>
 */
public enum Estimate {
    AUTO, TWEEDIE, SCHNELL, FAITHFUL;

    /** The mode used with {@code model}: AUTO resolved; a one-step mode on a model without a step-size input throws. */
    public Estimate resolve(VelocityModel model) {
        if (this == AUTO) return model.takesStepSize() ? SCHNELL : TWEEDIE;
        if (this != TWEEDIE && !model.takesStepSize()) {
            throw new IllegalArgumentException("estimate '" + label() + "' needs a model with a one-step estimate (a shortcut"
                    + " checkpoint); this model has none (use tweedie)");
        }
        return this;
    }

    /** Latent evaluations one clean estimate costs: 2 for {@link #FAITHFUL} (velocity and jump), else 1. */
    public int latentsPerEstimate() {
        return this == FAITHFUL ? 2 : 1;
    }

    /** The name used on the command line and in traces. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named {@code label}; unknown names throw, listing the known ones. */
    public static Estimate parse(String label) {
        for (Estimate e : values()) if (e.label().equals(label)) return e;
        throw new IllegalArgumentException("unknown estimate '" + label + "'; known: auto, tweedie, schnell, faithful");
    }
}
