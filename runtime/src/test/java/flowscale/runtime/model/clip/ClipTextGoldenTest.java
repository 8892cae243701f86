package flowscale.runtime.model.clip;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsFile;
import flowscale.runtime.model.text.TextGoldens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiny CLIPTextModel (transformers layout, real 49,408 vocabulary) against the outputs transformers computed in
 * float32 on CPU for 7 prompts of 77 tokens: last hidden state, penultimate hidden state and pooled output.
 */
class ClipTextGoldenTest {
    /**
     * Relative to the largest golden value. Both sides compute in float32 (the reference backend accumulates in
     * double and rounds per op): two layers of LayerNorm, 16-wide dot products, a softmax over at most 77 keys and a
     * 40-wide MLP, each contributing a few float32 roundings (u = 6e-8) relative to its output's scale. The
     * LayerNorms divide by standard deviations of order 0.1-1 and re-amplify that; observed: 1.8e-7 to 4.3e-7 on
     * reference, cpu and opencl. 1e-5 bounds float32 noise with a wide margin, while a wrong formula does not come
     * close (attention without the causal mask: 0.89).
     */
    static final double TOLERANCE = 1e-5;

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void matchesTransformers(String backendName) {
        try (Backend backend = Backends.create(backendName);
             SafetensorsFile golden = SafetensorsFile.open(TextGoldens.resource("clip-tiny-golden.safetensors"));
             ClipTextEncoder encoder = ClipTextEncoder.load(TextGoldens.resource("clip-tiny-text"), backend)) {
            assertEquals(new ClipTextConfig("", 49408, 16, 40, 2, 2, 77, 1e-5f, 2), encoder.config());
            int[][] ids = TextGoldens.ids(golden, "in.input_ids");
            ClipTextOutput out = encoder.encode(ids);
            double last = TextGoldens.relativeError(out.lastHiddenState(), golden.toFloatArray("out.last_hidden_state"));
            double penultimate = TextGoldens.relativeError(out.penultimate(), golden.toFloatArray("out.penultimate"));
            double pooled = TextGoldens.relativeError(out.pooled(), golden.toFloatArray("out.pooler_output"));
            System.out.printf("CLIP tiny on %s: relative error last_hidden_state %.3g, penultimate %.3g, pooler_output %.3g%n",
                    backendName, last, penultimate, pooled);
            assertTrue(last <= TOLERANCE, "last_hidden_state relative error " + last);
            assertTrue(penultimate <= TOLERANCE, "penultimate relative error " + penultimate);
            assertTrue(pooled <= TOLERANCE, "pooler_output relative error " + pooled);
        }
    }

    @Test
    void poolsAtTheFirstEndTokenOfEachPrompt() {
        try (SafetensorsFile golden = SafetensorsFile.open(TextGoldens.resource("clip-tiny-golden.safetensors"))) {
            int[][] ids = TextGoldens.ids(golden, "in.input_ids");
            ClipTextConfig legacy = new ClipTextConfig("", 49408, 16, 40, 2, 2, 77, 1e-5f, 2);
            ClipTextConfig explicit = new ClipTextConfig("", 49408, 16, 40, 2, 2, 77, 1e-5f, 49407);
            int[] positions = new int[ids.length];
            for (int b = 0; b < ids.length; b++) {
                positions[b] = ClipTextEncoder.poolPosition(ids[b], legacy);
                // The end token is the largest id and pads the rest, so both rules agree on FLUX-style ids.
                assertEquals(positions[b], ClipTextEncoder.poolPosition(ids[b], explicit));
                assertEquals(49407, ids[b][positions[b]]);
                assertEquals(49406, ids[b][0]);
            }
            assertEquals(1, positions[4], "the empty prompt is <start> <end>");
            int[] other = {5, 3, 49407, 9, 2, 9, 49407};
            assertEquals(2, ClipTextEncoder.poolPosition(other, legacy), "legacy rule: the first largest id");
            ClipTextConfig eos9 = new ClipTextConfig("", 49408, 16, 40, 2, 2, 77, 1e-5f, 9);
            assertEquals(3, ClipTextEncoder.poolPosition(other, eos9), "explicit rule: the first end token");
        }
    }
}
