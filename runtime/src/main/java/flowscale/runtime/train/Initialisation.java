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
 */
public final class Initialisation {
    private Initialisation() {}

    public static Map<String, float[]> adaLNZero(DiTConfig config, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : DiTWeights.parameters(config).entrySet()) {
            String name = e.getKey();
            long[] shape = e.getValue();
            float[] data = new float[Math.toIntExact(DiTWeights.elements(shape))];
            boolean zero = name.endsWith(".bias") || name.contains("adaLN_modulation") || name.startsWith("final_layer.");
            if (!zero) {
                if (name.startsWith("t_embedder.") || name.startsWith("cond_embedder.")) {
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
