package flowscale.runtime.model.t5;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsFile;
import flowscale.runtime.model.text.TextGoldens;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiny T5EncoderModel (gated-GELU, 32 relative buckets) against the last hidden state transformers computed in
 * float32 on CPU for 5 prompts of 16 tokens, padding attended (no attention mask, as FLUX calls it).
 */
class T5GoldenTest {
    /**
     * Relative to the largest golden value: two blocks of RMS norm, 32- and 48-wide dot products, an unscaled
     * softmax over 16 keys and the tanh GELU, all float32 on both sides, so the difference is a few float32
     * roundings amplified by the norms; observed: 1.4e-6 (opencl), 1.5e-6 (reference), 2.7e-6 (cpu). 1e-5 admits that; a
     * wrong formula does not come close (scores scaled by 1/sqrt(d_kv): 0.91).
     */
    static final double TOLERANCE = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void matchesTransformers(String backendName) {
        try (Backend backend = Backends.create(backendName);
             SafetensorsFile golden = SafetensorsFile.open(TextGoldens.resource("t5-tiny-golden.safetensors"));
             T5Encoder encoder = T5Encoder.load(TextGoldens.resource("t5-tiny-encoder"), backend)) {
            assertEquals(new T5EncoderConfig(150, 32, 4, 8, 48, 2, 32, 128, 1e-6f), encoder.config());
            float[] hidden = encoder.encode(TextGoldens.ids(golden, "in.input_ids"));
            double error = TextGoldens.relativeError(hidden, golden.toFloatArray("out.last_hidden_state"));
            System.out.printf("T5 tiny on %s: relative error last_hidden_state %.3g%n", backendName, error);
            assertTrue(error <= TOLERANCE, "last_hidden_state relative error " + error);
        }
    }
}
