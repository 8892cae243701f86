package flowscale.runtime.train;

import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.model.DiTWeights;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * DiT's initialisation: Xavier-uniform linear weights and zero biases; N(0, 0.02^2) for the timestep MLP and the
 * condition tables; and the adaLN-Zero part — every block's modulation projection and the whole final layer
 * start at zero, so each block starts as the identity and the model's first output is zero velocity.
 *
 * <p>A shortcut model's step-size embedder starts like the timestep's, except that its output layer
 * {@code d_embedder.mlp.2} is zero: the embedding adds nothing to the conditioning vector, so the model starts as the
 * model without it, at every d ({@link #shortcut} turns a trained base model into its shortcut fine-tuning start).
 */
public final class Initialisation {
    /** The step-size embedder's output layer, zero at the start. */
    private static final String STEP_SIZE_OUTPUT = "d_embedder.mlp.2.";

    private Initialisation() {}

    /**
     * The start of a shortcut fine-tuning: the trained base weights unchanged, plus a step-size embedder initialised as
     * {@link #adaLNZero} initialises it (its output layer zero), for {@code base.withShortcut(true)}.
     *
     * @throws IllegalArgumentException when {@code base} is already a shortcut config or a weight is missing
     */
    public static Map<String, float[]> shortcut(DiTConfig base, Map<String, float[]> baseWeights, long seed) {
        if (base.shortcut()) throw new IllegalArgumentException("the initial weights are already a shortcut model's");
        DiTConfig config = base.withShortcut(true);
        Map<String, float[]> fresh = adaLNZero(config, seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String name : DiTWeights.parameters(config).keySet()) {
            float[] w = name.startsWith("d_embedder.") ? fresh.get(name) : baseWeights.get(name);
            if (w == null) throw new IllegalArgumentException("the initial weights have no tensor " + name);
            out.put(name, w.clone());
        }
        return out;
    }

    public static Map<String, float[]> adaLNZero(DiTConfig config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : DiTWeights.parameters(config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[Math.toIntExact(DiTWeights.elements(shape))];
            boolean zero = name.endsWith(".bias") || name.contains("adaLN_modulation") || name.startsWith("final_layer.")
                    || name.startsWith(STEP_SIZE_OUTPUT);
            if (!zero) {
                if (name.startsWith("t_embedder.") || name.startsWith("d_embedder.") || name.startsWith("cond_embedder.")) {
                    for (int i = 0; i < data.length; i++) data[i] = (float) (0.02 * rng.nextGaussian());
                } else {
                    long fanOut = shape[0];
                    long fanIn = data.length / fanOut;
                    double bound = Math.sqrt(6.0 / (fanIn + fanOut));
                    for (int i = 0; i < data.length; i++) data[i] = (float) (bound * (2 * rng.nextDouble() - 1));
                }
            }
            out.put(name, data);
        }
        return out;
    }
}
