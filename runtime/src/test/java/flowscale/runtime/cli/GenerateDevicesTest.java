package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.kernels.opencl.ClDevices;
import flowscale.runtime.cli.CliFixture.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static flowscale.runtime.cli.CliFixture.assertUsage;
import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code generate --devices} and {@code --backend opencl} end to end on a tiny random-weight DiT checkpoint. */
class GenerateDevicesTest {
    static final String PROMPT = "2 red circles and 1 blue square";

    @TempDir
    static Path dir;
    static Path checkpoint;

    @BeforeAll
    static void writeTinyModel() {
        checkpoint = CliFixture.tinyDiT(dir, 43);
    }

    private static Run search(String name, String method, int budget, String... placement) {
        List<String> args = new ArrayList<>(List.of("generate", "--model", checkpoint.toString(), "--prompt", PROMPT,
                "--method", method, "--budget", Integer.toString(budget), "--steps", "4", "--seed", "5",
                "--out", dir.resolve(name).toString()));
        args.addAll(List.of(placement));
        return run(args.toArray(String[]::new));
    }

    @Test
    void twoCpuDevicesRunTheSameSearchAsOneBackend() throws Exception {
        Run one = search("one", "rbf", 120, "--backend", "cpu");
        Run two = search("two", "rbf", 120, "--devices", "cpu:1,cpu:1");
        assertEquals(0, one.code(), one.err());
        assertEquals(0, two.code(), two.err());
        assertTrue(two.out().contains("on 2 devices [cpu:1, cpu:1]"), two.out());
        JsonNode a = new ObjectMapper().readTree(dir.resolve("one/trace.json").toFile());
        JsonNode b = new ObjectMapper().readTree(dir.resolve("two/trace.json").toFile());
        assertEquals(a.get("nfe"), b.get("nfe"));
        assertTrue(b.get("nfe").asLong() > 0 && b.get("nfe").asLong() <= 120, b.get("nfe").toString());
        assertEquals(a.get("levels"), b.get("levels"));
        assertArrayEquals(Files.readAllBytes(dir.resolve("one/best.png")), Files.readAllBytes(dir.resolve("two/best.png")));
    }

    /** Small budgets: PoCL runs a kernel launch per op, slow for a DiT this small. */
    @Test
    void openClRunsAsABackendAndAsADevice() {
        assertTrue(ClDevices.available(), "no OpenCL device found; these tests need one (Debian: apt-get install pocl-opencl-icd ocl-icd-opencl-dev)");
        Run alone = search("opencl", "bon", 16, "--backend", "opencl", "--cfg", "2");
        assertEquals(0, alone.code(), alone.err());
        assertTrue(alone.out().contains(" on opencl:"), alone.out());
        Run mixed = search("mixed", "bon", 16, "--devices", "cpu@3,opencl:0:0");
        assertEquals(0, mixed.code(), mixed.err());
        assertTrue(mixed.out().contains("on 2 devices [cpu@3.0, opencl:0:0]"), mixed.out());
        assertTrue(Files.isRegularFile(dir.resolve("mixed/best.png")));
    }

    @Test
    void badDeviceListsAreOneLineWithExitCode2() {
        String[][] cases = {
                {"cpu,,cpu", "device 2 of 3 is empty"},
                {"cpu@0", "weight '0'"},
                {"cpu@two", "weight 'two'"},
                {"", "--devices must list at least one device"},
                {"quantum", "device 1 of 1: unknown backend 'quantum'"},
                {"cpu:1,cpu:zero", "device 2 of 2: backend 'cpu:zero'"},
                {"cpu,opencl:9:9", "device 2 of 2: "},
        };
        int i = 0;
        for (String[] c : cases) {
            Path out = dir.resolve("bad" + i++);
            Run r = run("generate", "--model", checkpoint.toString(), "--prompt", PROMPT, "--devices", c[0], "--out", out.toString());
            assertUsage(r, c[1]);
            assertFalse(Files.exists(out), out + " was created for a failed run");
        }
        assertUsage(run("generate", "--model", checkpoint.toString(), "--prompt", PROMPT, "--backend", "cpu",
                "--devices", "cpu:1,cpu:1", "--out", dir.resolve("both").toString()), "either --backend or --devices");
        assertUsage(run("generate", "--model", "toy:gmm", "--devices", "cpu:1,cpu:1", "--out", dir.resolve("toy").toString()),
                "--devices applies to image models");
    }

    @Test
    void infoTellsHowToUseSeveralDevices() {
        Run r = run("info");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("devices ") && l.contains("--devices SPEC[@WEIGHT]")), r.out());
    }
}
