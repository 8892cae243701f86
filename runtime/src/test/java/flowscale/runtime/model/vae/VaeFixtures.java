package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;
import flowscale.loader.SafetensorsFile;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The tiny VAE fixtures in test resources (see resources/vae/README.md) and what tests do with them. */
final class VaeFixtures {
    static final String BFL_F32 = "vae-tiny-bfl.safetensors";
    static final String BFL_BF16 = "vae-tiny-bfl-decoder-bf16.safetensors";
    static final String DIFFUSERS = "vae-tiny-diffusers";
    static final String GOLDEN = "vae-tiny-golden.safetensors";

    private VaeFixtures() {}

    static Path resource(String name) {
        try {
            return Path.of(VaeFixtures.class.getResource("/vae/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every tensor of the golden file, widened to float. */
    static Map<String, float[]> golden() {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(resource(GOLDEN))) {
            f.tensors().forEach(t -> out.put(t.name(), f.toFloatArray(t.name())));
        }
        return out;
    }

    static long[] goldenShape(String name) {
        try (SafetensorsFile f = SafetensorsFile.open(resource(GOLDEN))) {
            return f.tensor(name).shape();
        }
    }

    /** The decoded image of the golden's latents, and each probed module's output, downloaded. */
    record Decoded(float[] image, Map<String, float[]> activations) {}

    static Decoded decode(Path vae, Backend backend, float[] z, long[] zShape) {
        Map<String, float[]> acts = new LinkedHashMap<>();
        try (VaeDecoder decoder = VaeDecoder.load(vae, backend)) {
            decoder.probe((name, t) -> acts.put(name, download(backend, t)));
            Tensor image = decoder.decode(backend.upload(z, zShape));
            return new Decoded(download(backend, image), acts);
        }
    }

    static float[] download(Backend backend, Tensor t) {
        float[] out = new float[Math.toIntExact(t.size())];
        backend.download(t, out, 0);
        return out;
    }

    /** max |a - b| / max |b|: the error relative to the reference output's scale. */
    static double relativeError(float[] actual, float[] expected) {
        if (actual.length != expected.length) return Double.POSITIVE_INFINITY;
        double scale = 0, worst = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            double d = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(d)) return Double.POSITIVE_INFINITY;
            worst = Math.max(worst, d);
        }
        return worst / scale;
    }
}
