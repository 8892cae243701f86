package flowscale.runtime.model.flux;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.DType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FLUX.1 transformer against the reference implementation's outputs (BFL's code, float32 on CPU): every
 * layout and dtype of the tiny schnell- and dev-style models and the real-head model, on the reference, cpu and
 * opencl (PoCL) backends. Runs with float32 weights also compare each module's output ({@code act.*}), so a mismatch names
 * the first module that goes wrong.
 *
 * <p>Tolerance: {@link #TOLERANCE} on {@code max |ours - golden| / max |golden|} per tensor. Both sides compute in
 * float32 with different summation orders (and, in the golden, SLEEF's exp/sin/cos/tanh), so they differ by a
 * few float32 round-offs ({@code u = 6e-8}) per dot product (at most 1280 terms here), compounded over some ten
 * products and norms per block: measured 3e-6 of the output's scale on the tiny models (the largest single source
 * is the timestep embedding's float32 arguments, up to 1000 rad) and 7e-6 on the real-head model (head dim 128,
 * 288 tokens). 2e-5 leaves 3x over the worst of these; a wrong layout, order, epsilon or term shows up at 1e-3 to 1.
 */
class FluxGoldenTest {
    static final double TOLERANCE = 2e-5;

    @TempDir
    static Path dir;

    /** A model file or folder (made on first use), the golden to compare with and which output of it. */
    record Case(String name, String golden, String output, boolean compareActivations) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> cases() {
        List<Case> cases = new ArrayList<>();
        for (String model : new String[] {"schnell", "dev"}) {
            String golden = "flux-tiny-" + model + "-golden.safetensors";
            cases.add(new Case(model + " BFL BF16", golden, "out.velocity_bf16weights", false));
            cases.add(new Case(model + " BFL F32 (the BF16 widened)", golden, "out.velocity_bf16weights", false));
            // BF16 -> F16 is exact for these weights but the few below 2^-17 (rounded by < 3e-8): the F16 path end to end.
            cases.add(new Case(model + " BFL F16 (the BF16 converted)", golden, "out.velocity_bf16weights", false));
            cases.add(new Case(model + " ComfyUI BF16", golden, "out.velocity_bf16weights", false));
            cases.add(new Case(model + " diffusers F32", golden, "out.velocity", true));
            cases.add(new Case(model + " diffusers BF16 (the F32 rounded)", golden, "out.velocity_bf16weights", false));
        }
        cases.add(new Case("real-head BFL BF16", "flux-realhead-golden.safetensors", "out.velocity", false));
        List<Arguments> args = new ArrayList<>();
        for (String backend : new String[] {"reference", "cpu", "opencl"}) {
            for (Case c : cases) args.add(Arguments.of(backend, c));
        }
        return args.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("cases")
    void matchesTheReferenceImplementation(String backendName, Case c) throws IOException {
        FluxFixtures.Golden golden = FluxFixtures.golden(c.golden());
        Map<String, Double> errors = new LinkedHashMap<>();
        try (Backend backend = Backends.create(backendName);
             FluxCheckpoint checkpoint = FluxCheckpoint.open(model(c), golden.ropeAxes())) {
            FluxTransformer flux = FluxTransformer.load(checkpoint, backend);
            FluxInputs in = golden.inputs();
            float[] velocity = new float[golden.get(c.output()).length];
            flux.forward(in, velocity, c.compareActivations() ? (module, t) -> {
                float[] mine = new float[Math.toIntExact(t.size())];
                backend.download(t, mine, 0);
                errors.put("act." + module, relativeError(mine, golden.get("act." + module)));
            } : null);
            errors.put(c.output(), relativeError(velocity, golden.get(c.output())));
        }
        System.out.println("FLUX golden " + backendName + " " + c.name() + ": " + errors);
        if (c.compareActivations()) {
            long acts = golden.tensors().keySet().stream().filter(k -> k.startsWith("act.")).count();
            assertEquals(acts, errors.size() - 1, "every act.* of the golden is compared: " + errors.keySet());
        }
        for (Map.Entry<String, Double> e : errors.entrySet()) {
            assertTrue(e.getValue() <= TOLERANCE, backendName + " " + c.name() + ": " + e.getKey() + " differs from the golden by "
                    + e.getValue() + " of its scale (tolerance " + TOLERANCE + "); all: " + errors);
        }
    }

    /** The case's model, derived from the committed fixtures on first use. */
    private static Path model(Case c) throws IOException {
        String model = c.name().startsWith("schnell") ? "schnell" : c.name().startsWith("dev") ? "dev" : "realhead";
        String bflBf16 = "flux-" + (model.equals("realhead") ? "realhead" : "tiny-" + model) + "-bfl-bf16.safetensors";
        String diffusers = "flux-tiny-" + model + "-diffusers";
        String kind = c.name().substring(c.name().indexOf(' ') + 1);
        Path target = dir.resolve(model + "-" + kind.replaceAll("[^A-Za-z0-9]+", "-"));
        if (target.toFile().exists()) return target;
        if (kind.equals("BFL BF16")) return FluxFixtures.resource(bflBf16);
        if (kind.startsWith("BFL F32")) return FluxFixtures.rewrite(FluxFixtures.resource(bflBf16), target, n -> n, DType.F32);
        if (kind.startsWith("BFL F16")) return FluxFixtures.rewrite(FluxFixtures.resource(bflBf16), target, n -> n, DType.F16);
        if (kind.startsWith("ComfyUI")) {
            return FluxFixtures.rewrite(FluxFixtures.resource(bflBf16), target, n -> FluxCheckpoint.COMFYUI_PREFIX + n, DType.BF16);
        }
        if (kind.equals("diffusers F32")) return FluxFixtures.resource(diffusers);
        if (kind.startsWith("diffusers BF16")) return FluxFixtures.diffusersAs(diffusers, target, DType.BF16);
        throw new IllegalArgumentException(c.name());
    }

    /** {@code max |a - g| / max |g|}. */
    static double relativeError(float[] actual, float[] golden) {
        assertEquals(golden.length, actual.length, "output length");
        double worst = 0, scale = 0;
        for (int i = 0; i < golden.length; i++) {
            assertTrue(Float.isFinite(actual[i]), "non-finite output at " + i);
            worst = Math.max(worst, Math.abs((double) actual[i] - golden[i]));
            scale = Math.max(scale, Math.abs(golden[i]));
        }
        return worst / scale;
    }
}
