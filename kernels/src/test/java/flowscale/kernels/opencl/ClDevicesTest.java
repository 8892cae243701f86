package flowscale.kernels.opencl;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Device selection by spec, and the one-line errors that list what is there. */
class ClDevicesTest {
    private static List<ClDevice> devices;

    @BeforeAll
    static void enumerate() {
        assertTrue(ClDevices.available(), "no OpenCL device found; these tests need one (Debian: apt-get install pocl-opencl-icd ocl-icd-opencl-dev)");
        devices = ClDevices.list();
    }

    @Test
    void everyDeviceDescribesItself() {
        assertFalse(devices.isEmpty());
        for (ClDevice d : devices) {
            assertFalse(d.name().isBlank());
            assertTrue(d.computeUnits() > 0 && d.maxWorkGroupSize() > 0 && d.globalMemBytes() > 0, d.describe());
            assertTrue(d.describe().contains("preferred width " + d.preferredFloatVectorWidth()));
            assertEquals(d, ClDevices.select(d.spec()));
        }
    }

    @Test
    void plainOpenclPrefersAGpu() {
        ClDevice chosen = ClDevices.select("opencl");
        ClDevice expected = devices.stream().filter(d -> d.type() == ClDevice.Type.GPU).findFirst().orElse(devices.getFirst());
        assertEquals(expected, chosen);
    }

    @Test
    void byTypeAndByNameSubstring() {
        for (ClDevice.Type t : ClDevice.Type.values()) {
            if (t == ClDevice.Type.OTHER) continue;
            String spec = "opencl:" + t.name().toLowerCase(Locale.ROOT);
            if (devices.stream().anyMatch(d -> d.type() == t)) {
                assertEquals(t, ClDevices.select(spec).type());
            } else {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClDevices.select(spec));
                assertTrue(e.getMessage().contains("available: "), e.getMessage());
            }
        }
        ClDevice first = devices.getFirst();
        String part = first.name().substring(0, Math.min(6, first.name().length())).toUpperCase(Locale.ROOT);
        assertTrue(ClDevices.select("opencl:" + part).name().toUpperCase(Locale.ROOT).contains(part));
    }

    @Test
    void nothingMatchingIsOneLineListingTheDevices() {
        for (String spec : new String[] {"opencl:97:3", "opencl:no-such-device-anywhere", "opencl:", "openclx"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClDevices.select(spec), spec);
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            if (!spec.equals("openclx")) assertTrue(e.getMessage().contains(devices.getFirst().summary()), e.getMessage());
        }
    }

    @Test
    void registeredInBackends() {
        assertTrue(Backends.available().contains("opencl"), Backends.available().toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("opencl:97:3"));
        assertTrue(e.getMessage().contains("available: "), e.getMessage());
        try (Backend b = Backends.create("opencl:" + devices.getFirst().platformIndex() + ":" + devices.getFirst().deviceIndex())) {
            assertEquals(devices.getFirst().spec(), b.name());
            assertEquals(6.0, b.sum(b.upload(new float[] {1, 2, 3}, 3)));
        }
    }

    /**
     * A child JVM whose ICD loader is pointed at an empty vendor directory sees no platform: opencl is
     * not listed, and asking for it is one line that says what to install.
     */
    @Test
    void withoutAPlatformTheErrorIsOneLineWithARemedy(@TempDir Path emptyVendors) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), NoPlatformProbe.class.getName());
        pb.environment().put("OCL_ICD_VENDORS", emptyVendors.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), output);
        assertEquals(0, p.exitValue(), output);
        assertTrue(output.contains("listed=false"), output);
        String error = output.lines().filter(l -> l.startsWith("error=")).findFirst().orElseThrow(() -> new AssertionError(output));
        assertTrue(error.contains("no OpenCL platform") && error.contains("apt-get install"), error);
    }
}
