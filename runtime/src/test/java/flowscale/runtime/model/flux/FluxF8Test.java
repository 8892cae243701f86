package flowscale.runtime.model.flux;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.DType;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.TensorInfo;
import flowscale.runtime.model.CheckpointException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FLUX.1 with F8_E4M3 weights, as fp8 checkpoints ship them: the tiny BF16 schnell fixture with every matrix rounded
 * to F8_E4M3 (to nearest even, as {@code tensor.to(torch.float8_e4m3fn)}) and its biases and norm scales left in BF16.
 * The weights stay one byte each through binding, and the forward equals the float32 forward over the same weights
 * dequantised (widened exactly into an F32 file), on every backend.
 *
 * <p>Tolerance: {@link #TOLERANCE} on {@code max |f8 - f32| / max |f32|}. Widening is exact, so the two forwards
 * multiply the same float32 values and can differ only where a backend's narrow-weight GEMM sums in another order
 * than its float32 GEMM (opencl has separate kernels for the two, and cpu a separate two-row micro-kernel for
 * float32): float32 accumulation error, a few {@code u = 6e-8} per dot product of at most 256 terms here, carried
 * through two double and two single blocks. Measured: 0.0 on reference, cpu and opencl (bit-identical; rerun with
 * {@code ./mvnw -B -ntp -o -pl runtime -am -Dtest=FluxF8Test -Dsurefire.failIfNoSpecifiedTests=false test}, the
 * test prints both numbers). 2e-6 admits such reorderings and is 10x tighter than the golden tests' 2e-5, while
 * rounding the weights to F8 moves the output by 9.2e-2 of its scale (checked below, so the comparison is not
 * vacuous).
 */
class FluxF8Test {
    static final double TOLERANCE = 2e-6;
    private static final int[] TINY_AXES = {4, 6, 6};

    @TempDir
    static Path dir;
    static Path f8;
    static Path dequantised;

    @BeforeAll
    static void convert() {
        f8 = dir.resolve("flux-tiny-schnell-bfl-f8.safetensors");
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(FluxFixtures.resource("flux-tiny-schnell-bfl-bf16.safetensors"))) {
            for (TensorInfo t : f.tensors()) {
                float[] v = f.toFloatArray(t.name());
                if (t.rank() == 2) w.addF8E4M3(t.name(), t.shape(), v);
                else w.addBf16(t.name(), t.shape(), v); // exact: the fixture is BF16
            }
        }
        w.write(f8);
        dequantised = FluxFixtures.rewrite(f8, dir.resolve("flux-tiny-schnell-bfl-f8-as-f32.safetensors"), n -> n, DType.F32);
    }

    @Test
    void recognisedWithItsDtypesAndPlannedAtOneBytePerWeight() {
        long matrixElements = 0, vectorElements = 0;
        try (FluxCheckpoint c = FluxCheckpoint.open(f8, TINY_AXES)) {
            Map<DType, Long> stored = c.bytesByDtype();
            assertEquals(Set.of(DType.F8_E4M3, DType.BF16), stored.keySet(), stored.toString());
            for (String key : FluxKeyMap.storedTensors(c.keyMap()).keySet()) {
                TensorInfo t = c.info(key);
                if (t.rank() == 2) matrixElements += t.elementCount();
                else vectorElements += t.elementCount();
            }
            assertEquals(matrixElements, stored.get(DType.F8_E4M3));
            FluxMemoryPlan plan = FluxMemoryPlan.ofTokens(c, 2, 24, 7);
            // Matrices stay 1 byte per weight; biases and norm scales are widened to float32.
            assertEquals(matrixElements + 4 * vectorElements, plan.weightBytes());
            assertTrue(plan.toString().contains("F8_E4M3"), plan.toString());
        }
        try (FluxCheckpoint bf16 = FluxCheckpoint.open(FluxFixtures.resource("flux-tiny-schnell-bfl-bf16.safetensors"), TINY_AXES)) {
            assertEquals(2 * matrixElements + 4 * vectorElements, FluxMemoryPlan.ofTokens(bf16, 2, 24, 7).weightBytes());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void forwardEqualsTheF32ForwardOverTheDequantisedWeights(String backendName) {
        FluxFixtures.Golden golden = FluxFixtures.golden("flux-tiny-schnell-golden.safetensors");
        FluxInputs in = golden.inputs();
        float[] fromF8, fromF32;
        try (Backend backend = Backends.create(backendName)) {
            try (FluxCheckpoint c = FluxCheckpoint.open(f8, TINY_AXES)) {
                fromF8 = FluxTransformer.load(c, backend).forward(in);
            }
            try (FluxCheckpoint c = FluxCheckpoint.open(dequantised, TINY_AXES)) {
                fromF32 = FluxTransformer.load(c, backend).forward(in);
            }
        }
        double error = FluxGoldenTest.relativeError(fromF8, fromF32);
        double quantisation = FluxGoldenTest.relativeError(fromF8, golden.get("out.velocity_bf16weights"));
        System.out.println("FLUX F8_E4M3 " + backendName + ": F8 vs F32-over-dequantised " + error + ", F8 vs BF16 golden " + quantisation);
        assertTrue(error <= TOLERANCE, backendName + ": the F8 forward differs from the F32 forward over the same weights by "
                + error + " of its scale (tolerance " + TOLERANCE + ")");
        assertTrue(quantisation > 100 * TOLERANCE, "F8 rounding should move the output visibly, moved " + quantisation);
    }

    /** ComfyUI's "scaled fp8": F8 weights that must be multiplied by per-layer scales, refused in one line. */
    @Test
    void scaledFp8IsRefusedInOneLine() {
        Path scaled = copyOfF8(dir.resolve("flux-scaled-fp8.safetensors"), (w, t, bytes) -> {
            w.add(FluxCheckpoint.COMFYUI_PREFIX + t.name(), t.dtype(), t.shape(), bytes);
            if (t.rank() == 2) {
                w.addF32(FluxCheckpoint.COMFYUI_PREFIX + t.name().replace(".weight", ".scale_weight"), new long[] {1}, new float[] {0.01f});
            }
        }, w -> w.add(FluxCheckpoint.COMFYUI_PREFIX + "scaled_fp8", DType.F8_E4M3, new long[] {0}, new byte[0]));
        CheckpointException e = assertThrows(CheckpointException.class, () -> FluxCheckpoint.open(scaled, TINY_AXES));
        assertTrue(e.getMessage().contains("\"scaled fp8\"") && e.getMessage().contains("not supported")
                && e.getMessage().contains(FluxCheckpoint.COMFYUI_PREFIX), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    @Test
    void e5m2WeightsAreRefusedInOneLine() {
        Path e5m2 = copyOfF8(dir.resolve("flux-e5m2.safetensors"),
                (w, t, bytes) -> w.add(t.name(), t.name().equals("img_in.weight") ? DType.F8_E5M2 : t.dtype(), t.shape(), bytes), w -> {});
        CheckpointException e = assertThrows(CheckpointException.class, () -> FluxCheckpoint.open(e5m2, TINY_AXES));
        assertTrue(e.getMessage().contains("img_in.weight is F8_E5M2") && e.getMessage().contains("F8_E5M2 is not supported"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private interface TensorCopy {
        void add(SafetensorsWriter w, TensorInfo t, byte[] bytes);
    }

    /** A file written from the F8 model's tensors (each one's stored bytes through {@code copy}), then {@code extra}. */
    private static Path copyOfF8(Path target, TensorCopy copy, Consumer<SafetensorsWriter> extra) {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(f8)) {
            for (TensorInfo t : f.tensors()) copy.add(w, t, f.bytes(t.name()).toArray(ValueLayout.JAVA_BYTE));
        }
        extra.accept(w);
        w.write(target);
        return target;
    }
}
