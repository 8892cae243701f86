package flowscale.runtime.cli;

import flowscale.runtime.cli.CliFixture.Run;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.TensorInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.function.Predicate;

import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code flowscale forward} on the FLUX fixtures: the golden's own inputs in, its velocity out; bad input is one line and exit 2. */
class ForwardCommandTest {
    /** As FluxGoldenTest: 2e-5 of the output's scale. */
    private static final double TOLERANCE = 2e-5;

    @TempDir
    Path dir;



    private static Path resource(String name) throws URISyntaxException {
        return Path.of(ForwardCommandTest.class.getResource("/flux/" + name).toURI());
    }

    @Test
    void schnellDiffusersFolderReproducesTheGolden() throws Exception {
        Path golden = resource("flux-tiny-schnell-golden.safetensors");
        Path out = dir.resolve("v.safetensors");
        Run r = run("forward", "--model", resource("flux-tiny-schnell-diffusers").toString(), "--inputs", golden.toString(),
                "--out", out.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("memory: weights F32") && r.out().contains("backend: cpu"), r.out());
        assertClose(out, golden, "out.velocity");
    }

    @Test
    void devBflBf16WithGivenAxesOnTheReference() throws Exception {
        Path golden = resource("flux-tiny-dev-golden.safetensors");
        Path out = dir.resolve("v.safetensors");
        Run r = run("forward", "--model", resource("flux-tiny-dev-bfl-bf16.safetensors").toString(), "--rope-axes", "4,6,6",
                "--inputs", golden.toString(), "--out", out.toString(), "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        assertClose(out, golden, "out.velocity_bf16weights");
    }

    @Test
    void badInputsAreOneLineAndExitTwo() throws Exception {
        Path golden = resource("flux-tiny-dev-golden.safetensors");
        String model = resource("flux-tiny-dev-diffusers").toString();
        String out = dir.resolve("v.safetensors").toString();

        Path noGuidance = copy(golden, dir.resolve("no-guidance.safetensors"), t -> !t.name().equals("in.guidance"), null);
        Run r = run("forward", "--model", model, "--inputs", noGuidance.toString(), "--out", out);
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("give the tensor guidance [2]"), r.err());

        Path wide = copy(golden, dir.resolve("wide.safetensors"), t -> !t.name().equals("in.txt"),
                w -> w.addF32("in.txt", new long[] {2, 7, 31}, new float[2 * 7 * 31]));
        r = run("forward", "--model", model, "--inputs", wide.toString(), "--out", out);
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("in.txt is [2, 7, 31], this model needs [2, 7, 32]"), r.err());

        r = run("forward", "--model", golden.toString(), "--inputs", golden.toString(), "--out", out);
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("is not a FLUX.1 transformer"), r.err());

        r = run("forward", "--model", model, "--inputs", golden.toString(), "--out", out, "--backend", "tpu");
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("backend 'tpu'"), r.err());
    }

    private interface Extra {
        void add(SafetensorsWriter w);
    }

    private static Path copy(Path from, Path to, Predicate<TensorInfo> keep, Extra extra) {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(from)) {
            for (TensorInfo t : f.tensors()) if (keep.test(t)) w.addF32(t.name(), t.shape(), f.toFloatArray(t.name()));
        }
        if (extra != null) extra.add(w);
        w.write(to);
        return to;
    }

    private static void assertClose(Path out, Path golden, String name) {
        try (SafetensorsFile o = SafetensorsFile.open(out); SafetensorsFile g = SafetensorsFile.open(golden)) {
            assertArrayEquals(g.tensor(name).shape(), o.tensor("velocity").shape());
            float[] v = o.toFloatArray("velocity"), e = g.toFloatArray(name);
            double worst = 0, scale = 0;
            for (int i = 0; i < e.length; i++) {
                worst = Math.max(worst, Math.abs(v[i] - e[i]));
                scale = Math.max(scale, Math.abs(e[i]));
            }
            assertTrue(worst / scale <= TOLERANCE, "velocity differs from " + name + " by " + worst / scale);
        }
    }
}
