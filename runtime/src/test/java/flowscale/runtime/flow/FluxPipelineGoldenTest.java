package flowscale.runtime.flow;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.Tensor;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.TensorInfo;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.PromptEmbedding;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.model.flux.FluxCheckpoint;
import flowscale.runtime.model.flux.FluxTransformer;
import flowscale.runtime.model.flux.FluxVelocityModel;
import flowscale.runtime.model.vae.LatentPacking;
import flowscale.runtime.model.vae.VaeDecoder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FLUX.1-schnell end to end against BFL's sampling loop ({@code resources/flux/pipeline-tiny-golden.safetensors}: BFL's
 * {@code sampling.py} with the tiny schnell transformer and the tiny VAE, float32 on CPU): flowscale's own path, the
 * golden's noise packed by {@link LatentPacking}, the {@code ode} sampler with 4 steps through {@link SamplingLoop}
 * on {@link FluxVelocityModel}, the final latent unpacked and decoded by {@link VaeDecoder}, compared step by step
 * (each step's velocity, so a mismatch names the first step that goes wrong), then the final latent and the image.
 *
 * <p>The schedules agree: BFL's schnell schedule (4 steps, no shift) is {@code linspace(1, 0, 5)}, the {@code ode}
 * sampler's uniform grid. BFL takes 4 Euler steps, the last one from 0.25 to 0; flowscale evaluates at the same 4
 * times and returns the clean estimate at the last nonzero time, {@code x - t v} at t = 0.25, which on the linear path
 * is the same arithmetic as BFL's last Euler step {@code x + (0 - 0.25) v}: this test shows it bit for bit.
 */
class FluxPipelineGoldenTest {
    /**
     * Tolerance on {@code max |ours - golden| / max |golden|} per tensor. Both sides compute in float32 with different
     * summation orders, so one forward pass of this tiny transformer differs from BFL's by a few float32 round-offs
     * ({@code u = 6e-8}) per dot product compounded through the blocks, about 3e-6 of the velocity's scale
     * ({@code FluxGoldenTest}). A later step starts from a latent that already carries the earlier steps' differences
     * (each step adds 0.25 of a velocity), and the decoder adds its own 1.5e-6 ({@code VaeGoldenTest}) on a latent
     * un-scaled by 1/0.3611. Measured (reference / cpu / opencl): velocities at most 6.2e-6 / 6.6e-6 / 6.7e-6 (step 1),
     * final latent 1.1e-6 / 1.3e-6 / 1.2e-6, image 7.2e-6 / 7.6e-6 / 8.6e-6. 2e-5 leaves 2.3x over the worst; a wrong
     * schedule, time convention, packing order, step sign or latent scaling gives 1e-2 to 1.
     */
    static final double TOLERANCE = 2e-5;

    private static final int TOKEN_ROWS = 4, TOKEN_COLUMNS = 6, STEPS = 4;

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void schnellLoopMatchesBfl(String backendName) {
        Map<String, float[]> golden = new HashMap<>();
        Map<String, long[]> shapes = new HashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(resource("flux/pipeline-tiny-golden.safetensors"))) {
            for (TensorInfo t : f.tensors()) {
                golden.put(t.name(), f.toFloatArray(t.name()));
                shapes.put(t.name(), t.shape());
            }
        }
        long[] latentShape = shapes.get("in.noise"); // [1, 4, 8, 12]
        Map<String, Double> errors = new LinkedHashMap<>();
        try (Backend backend = Backends.create(backendName);
             FluxCheckpoint checkpoint = FluxCheckpoint.open(resource("flux/flux-tiny-schnell-diffusers"));
             VaeDecoder vae = VaeDecoder.load(resource("vae/vae-tiny-bfl.safetensors"), backend)) {
            FluxVelocityModel flux = new FluxVelocityModel(FluxTransformer.load(checkpoint, backend), TOKEN_ROWS, TOKEN_COLUMNS, 0, 1);
            int channels = flux.shape()[1];

            Tensor packed = backend.allocate((long) TOKEN_ROWS * TOKEN_COLUMNS, channels);
            LatentPacking.pack(backend, backend.upload(golden.get("in.noise"), latentShape), packed);
            float[] noise = download(backend, packed);

            Sampler ode = Sampler.named("ode").withSteps(STEPS);
            double[] grid = ode.grid();
            float[] schedule = golden.get("schedule");
            assertEquals(schedule.length, grid.length);
            for (int i = 0; i < grid.length; i++) assertEquals(schedule[i], (float) grid[i], "schedule " + i);

            Recording model = new Recording(flux);
            Condition prompt = Condition.ofEmbedding("golden", new PromptEmbedding(7, golden.get("in.txt"), golden.get("in.vec")));
            NoiseSource fromGolden = (particle, step, out) -> {
                if (step != NoiseSource.INITIAL) throw new AssertionError("the ODE drew noise at step " + step);
                System.arraycopy(noise, 0, out, 0, out.length);
            };
            float[] latentTokens = SamplingLoop.sample(ode, model, 1, new Condition[] {prompt}, fromGolden)[0];

            assertEquals(STEPS, flux.nfe(), "one evaluation per step, none at t = 0");
            for (int k = 0; k < STEPS; k++) {
                assertEquals(grid[k], model.times.get(k), "step " + k + " time");
                errors.put("step" + k + ".velocity", relativeError(model.velocities.get(k), golden.get("step" + k + ".velocity")));
            }

            // flowscale's output is the estimate at t = 0.25, x - 0.25 v; BFL's last Euler step is x + (0 - 0.25) v.
            float[] x3 = model.inputs.get(STEPS - 1), v3 = model.velocities.get(STEPS - 1);
            float[] euler = new float[x3.length], estimate = new float[x3.length];
            ode.step(x3, v3, grid[STEPS - 1], grid[STEPS], null, euler);
            ode.tweedie(x3, v3, grid[STEPS - 1], estimate);
            assertArrayEquals(euler, estimate, "Tweedie estimate at t = 0.25 and the Euler step to 0");
            assertArrayEquals(euler, latentTokens, "the sampling loop's output is that estimate");
            float[] bflStep = new float[x3.length];
            for (int j = 0; j < x3.length; j++) bflStep[j] = x3[j] + (0f - 0.25f) * v3[j]; // BFL's float32 update
            assertArrayEquals(bflStep, latentTokens, "BFL's float32 update of the same x and v");

            Tensor latents = backend.allocate(latentShape);
            LatentPacking.unpack(backend, backend.upload(latentTokens, (long) TOKEN_ROWS * TOKEN_COLUMNS, channels), latents);
            errors.put("out.latent", relativeError(download(backend, latents), golden.get("out.latent")));

            float[] image = download(backend, vae.decode(latents));
            for (int i = 0; i < image.length; i++) image[i] = Math.max(-1f, Math.min(1f, image[i])); // BFL clamps after decode
            errors.put("out.image", relativeError(image, golden.get("out.image")));
        }
        System.out.println("FLUX pipeline golden " + backendName + ": " + errors);
        for (Map.Entry<String, Double> e : errors.entrySet()) {
            assertTrue(e.getValue() <= TOLERANCE, backendName + ": " + e.getKey() + " differs from BFL's by " + e.getValue()
                    + " of its scale (tolerance " + TOLERANCE + "); all: " + errors);
        }
    }

    /** The model, recording each call's input, time and velocity (batches of one here). */
    private static final class Recording implements VelocityModel {
        final VelocityModel inner;
        final List<float[]> inputs = new ArrayList<>(), velocities = new ArrayList<>();
        final List<Double> times = new ArrayList<>();

        Recording(VelocityModel inner) {
            this.inner = inner;
        }

        @Override public int dim() { return inner.dim(); }
        @Override public int[] shape() { return inner.shape(); }
        @Override public int nfePerLatent() { return inner.nfePerLatent(); }
        @Override public long nfe() { return inner.nfe(); }
        @Override public void resetNfe() { inner.resetNfe(); }

        @Override
        public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
            assertEquals(1, n);
            inner.velocity(n, x, t, cond, out);
            inputs.add(x[0].clone());
            times.add(t[0]);
            velocities.add(out[0].clone());
        }
    }

    private static Path resource(String name) {
        try {
            var url = FluxPipelineGoldenTest.class.getResource("/" + name);
            if (url == null) throw new IllegalStateException("test resource " + name + " is missing");
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float[] download(Backend backend, Tensor t) {
        float[] out = new float[Math.toIntExact(t.size())];
        backend.download(t, out, 0);
        return out;
    }

    /** {@code max |a - g| / max |g|}. */
    private static double relativeError(float[] actual, float[] golden) {
        assertEquals(golden.length, actual.length, "length");
        double worst = 0, scale = 0;
        for (int i = 0; i < golden.length; i++) {
            assertTrue(Float.isFinite(actual[i]), "non-finite value at " + i);
            worst = Math.max(worst, Math.abs((double) actual[i] - golden[i]));
            scale = Math.max(scale, Math.abs(golden[i]));
        }
        return worst / scale;
    }
}
