package flowscale.kernels.opencl;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The kernel sources, one resource file per family of ops, joined behind the prelude into one
 * program (one compile per device). The family files hold no OpenCL-only words outside the
 * prelude's macros and the {@code HAS_VECTOR_TYPES} sections, so a CUDA build can join the same files.
 */
final class ClSources {
    static final String PRELUDE = "prelude.h";
    static final List<String> FAMILIES = List.of(
            "layout.cl", "elementwise.cl", "activation.cl", "adaln.cl", "norm.cl",
            "reduce.cl", "embedding.cl", "gemm.cl", "attention.cl", "text.cl", "flux.cl", "image.cl", "normal.cl");

    private ClSources() {}

    /** The whole program text: prelude first, then every family, each marked with its file name. */
    static String program() {
        StringBuilder sb = new StringBuilder();
        sb.append(read(PRELUDE)).append('\n');
        for (String f : FAMILIES) {
            sb.append("/* ---- ").append(f).append(" ---- */\n").append(read(f)).append('\n');
        }
        return sb.toString();
    }

    static String read(String name) {
        try (InputStream in = ClSources.class.getResourceAsStream("/flowscale/kernels/opencl/" + name)) {
            if (in == null) throw new IllegalStateException("kernel source " + name + " is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel source " + name, e);
        }
    }
}
