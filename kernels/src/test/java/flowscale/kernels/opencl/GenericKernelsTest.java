package flowscale.kernels.opencl;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernel families without their OpenCL-only vector sections (what a CUDA build compiles) still
 * form a complete program: every generic kernel the backend launches is there, the CPU variants are not.
 */
class GenericKernelsTest {

    @Test
    void genericPathCompilesOnItsOwn(@TempDir Path cache) {
        assertTrue(ClDevices.available(), "no OpenCL device found; these tests need one (Debian: apt-get install pocl-opencl-icd ocl-icd-opencl-dev)");
        try (ClContext cl = new ClContext(ClDevices.select("opencl"), cache, "-cl-std=CL1.2 -DFLOWSCALE_GENERIC_ONLY")) {
            for (String kernel : new String[] {"gemm_tiled", "layer_norm", "rms_norm", "attention", "axpby", "sde_update",
                    "gelu_tanh", "silu", "modulate", "gated_add", "add_broadcast_rows", "copy_strided", "fill_strided",
                    "patch_fold", "timestep_embedding", "reduce_partial"}) {
                cl.kernel(kernel);
            }
            for (String vectorOnly : new String[] {"linear_vec", "attention_rows", "layer_norm_rows", "rms_norm_rows",
                    "axpby_vec4", "sde_update_vec4"}) {
                assertThrows(IllegalStateException.class, () -> cl.kernel(vectorOnly), vectorOnly);
            }
        }
    }
}
