package flowscale.runtime.model.t5;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.DType;
import flowscale.loader.SafetensorsFile;
import flowscale.runtime.model.PackedLinear;
import flowscale.runtime.model.text.FolderWriter;
import flowscale.runtime.model.text.TextGoldens;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * T5's weights stay in their stored dtype: BF16 and F16 copies of the tiny encoder, made here, run through the
 * half-weight GEMM (no float32 copy behind a matrix) and give the states of the float32 model holding the same
 * values widened.
 */
class T5StoredDtypeTest {
    static final Path FIXTURE = TextGoldens.resource("t5-tiny-encoder");

    /**
     * Same values, two GEMM paths, both accumulating in float32: at most a different order, a few roundings of 32-
     * and 48-wide dot products amplified by the RMS norms; observed: bit-identical on all three backends. 2e-6 of the
     * output's scale admits a reordering and is far below one BF16 ulp of a weight (4e-3).
     */
    static final double SAME_VALUES = 2e-6;

    /**
     * 16-bit weights against the F32 golden: every weight off by up to 2^-9 (BF16) or 2^-12 (F16) of itself; T5's
     * unscaled attention logits and the gated GELU amplify that more than CLIP does: observed 2.8e-2 (BF16), 8.1e-3
     * (F16). 0.1 still fails a wrong formula (scores scaled by 1/sqrt(d_kv): 0.91).
     */
    static final double ROUNDED_WEIGHTS = 0.1;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void halfWeightsGiveTheStatesOfTheirWidenedFloat32Model(String backendName) {
        Map<String, Map.Entry<long[], float[]>> tensors = FolderWriter.read(FIXTURE);
        try (Backend backend = Backends.create(backendName);
             SafetensorsFile golden = SafetensorsFile.open(TextGoldens.resource("t5-tiny-golden.safetensors"))) {
            int[][] ids = TextGoldens.ids(golden, "in.input_ids");
            for (DType dtype : List.of(DType.BF16, DType.F16)) {
                Path[] folders = FolderWriter.halfAndWidened(FIXTURE, dir, backendName + dtype, tensors, dtype);
                try (T5Encoder h = T5Encoder.load(folders[0], backend);
                     T5Encoder f = T5Encoder.load(folders[1], backend)) {
                    for (T5EncoderWeights.Block b : h.weights().blocks) {
                        for (PackedLinear p : List.of(b.layer0SelfAttentionQ(), b.layer0SelfAttentionK(), b.layer0SelfAttentionV(),
                                b.layer0SelfAttentionO(), b.layer1DenseReluDenseWi0(), b.layer1DenseReluDenseWi1(),
                                b.layer1DenseReluDenseWo())) {
                            assertNull(p.weight().source(), "a " + dtype + " matrix bound through a float32 tensor");
                        }
                    }
                    float[] a = h.encode(ids);
                    double same = TextGoldens.relativeError(a, f.encode(ids));
                    double vsGolden = TextGoldens.relativeError(a, golden.toFloatArray("out.last_hidden_state"));
                    System.out.printf("T5 tiny %s on %s: vs widened F32 %.3g, vs F32 golden %.3g%n", dtype, backendName, same, vsGolden);
                    assertTrue(same <= SAME_VALUES, dtype + ": " + same);
                    assertTrue(vsGolden <= ROUNDED_WEIGHTS, dtype + " vs golden: " + vsGolden);
                }
            }
        }
    }
}
