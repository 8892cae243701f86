package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.TensorInfo;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The decoder against BFL's reference output for the tiny VAE (resources/vae/README.md), on every backend:
 * the image of {@code AutoEncoder.decode(in.z)} and the first module outputs, which localise a mismatch.
 *
 * <p>Tolerance, relative to the largest magnitude of the reference tensor: {@value #F32_TOLERANCE}. The
 * decoder is a chain of about a dozen convolutions (dot products of at most 64 * 9 = 576 terms), GroupNorms
 * and one attention; each float32 stage contributes about {@code sqrt(K) u ~ 1.5e-6} relative (u = 6e-8),
 * and the reference itself is float32 PyTorch with errors of the same size (BFL and diffusers differ by 5e-6
 * on this VAE). Measured: about 1e-6 (reference), 1.5e-6 (cpu), 1.6e-6 (opencl). A wrong padding, a
 * transposed weight or a GroupNorm over the wrong channels gives errors of order 1.
 */
class VaeGoldenTest {
    static final double F32_TOLERANCE = 1e-5;
    /**
     * BF16 weights are the F32 weights rounded to 8 significant bits (relative error up to 2^-9 = 2e-3 each),
     * so the BF16 decoder answers a slightly different model: measured 7e-3 from the F32 golden. This bound
     * only catches gross errors; the exact check of the BF16 path is {@link #bf16WeightsAreWidenedExactly}.
     */
    static final double BF16_TOLERANCE = 3e-2;
    private static final String[] ACTIVATIONS = {"decoder.conv_in", "decoder.mid.block_1", "decoder.mid.attn_1"};

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void bflF32MatchesTheReference(String backend) {
        assertMatchesGolden(VaeFixtures.BFL_F32, backend, F32_TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void diffusersLayoutMatchesTheReference(String backend) {
        assertMatchesGolden(VaeFixtures.DIFFUSERS, backend, F32_TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void bf16DecoderIsCloseToTheF32Reference(String backend) {
        assertMatchesGolden(VaeFixtures.BFL_BF16, backend, BF16_TOLERANCE);
    }

    /**
     * The BF16 decoder, whose weights stay BF16 and are widened inside the kernels, gives bit for bit the image
     * of an F32 decoder holding the same values widened beforehand: widening is exact, so any difference would
     * be a wrong bit layout or a different code path.
     */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void bf16WeightsAreWidenedExactly(String backend, @TempDir Path dir) {
        Path widened = dir.resolve("widened-f32.safetensors");
        SafetensorsWriter writer = new SafetensorsWriter();
        try (SafetensorsFile bf16 = SafetensorsFile.open(VaeFixtures.resource(VaeFixtures.BFL_BF16))) {
            for (TensorInfo t : bf16.tensors()) writer.addF32(t.name(), t.shape(), bf16.toFloatArray(t.name()));
        }
        writer.write(widened);
        Map<String, float[]> g = VaeFixtures.golden();
        long[] zShape = VaeFixtures.goldenShape("in.z");
        try (Backend b = Backends.create(backend)) {
            float[] fromBf16 = VaeFixtures.decode(VaeFixtures.resource(VaeFixtures.BFL_BF16), b, g.get("in.z"), zShape).image();
            float[] fromF32 = VaeFixtures.decode(widened, b, g.get("in.z"), zShape).image();
            assertArrayEquals(fromF32, fromBf16);
        }
    }

    /** The two layouts hold the same numbers, so the same backend gives the same image bit for bit. */
    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu"})
    void layoutsAgreeBitForBit(String backend) {
        Map<String, float[]> g = VaeFixtures.golden();
        long[] zShape = VaeFixtures.goldenShape("in.z");
        try (Backend b = Backends.create(backend)) {
            float[] bfl = VaeFixtures.decode(VaeFixtures.resource(VaeFixtures.BFL_F32), b, g.get("in.z"), zShape).image();
            float[] diffusers = VaeFixtures.decode(VaeFixtures.resource(VaeFixtures.DIFFUSERS), b, g.get("in.z"), zShape).image();
            assertArrayEquals(bfl, diffusers);
        }
    }

    /**
     * The cpu kernels give the same bits cold and warm (no lane reduction whose order the JIT changes), so a
     * decoder called repeatedly, while C2 compiles it, returns one image.
     */
    @org.junit.jupiter.api.Test
    void repeatedDecodesOnCpuAreBitIdentical() {
        Map<String, float[]> g = VaeFixtures.golden();
        long[] zShape = VaeFixtures.goldenShape("in.z");
        try (Backend b = Backends.create("cpu"); VaeDecoder decoder = VaeDecoder.load(VaeFixtures.resource(VaeFixtures.BFL_F32), b)) {
            flowscale.kernels.Tensor z = b.upload(g.get("in.z"), zShape);
            float[] first = VaeFixtures.download(b, decoder.decode(z));
            for (int i = 0; i < 20; i++) {
                assertArrayEquals(first, VaeFixtures.download(b, decoder.decode(z)), "decode " + (i + 2));
            }
        }
    }

    private static void assertMatchesGolden(String file, String backend, double tolerance) {
        Map<String, float[]> g = VaeFixtures.golden();
        long[] zShape = VaeFixtures.goldenShape("in.z");
        try (Backend b = Backends.create(backend)) {
            VaeFixtures.Decoded d = VaeFixtures.decode(VaeFixtures.resource(file), b, g.get("in.z"), zShape);
            StringBuilder report = new StringBuilder(backend + " " + file + ":");
            boolean ok = true;
            for (String act : ACTIVATIONS) {
                double e = VaeFixtures.relativeError(d.activations().get(act), g.get("act." + act));
                report.append(' ').append(act).append(' ').append(e);
                ok &= e <= tolerance;
            }
            double e = VaeFixtures.relativeError(d.image(), g.get("out.image"));
            report.append(" image ").append(e);
            ok &= e <= tolerance;
            System.out.println(report);
            assertTrue(ok, report + " (tolerance " + tolerance + ")");
        }
    }
}
