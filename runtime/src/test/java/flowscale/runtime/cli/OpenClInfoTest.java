package flowscale.runtime.cli;

import flowscale.kernels.opencl.ClDevice;
import flowscale.kernels.opencl.ClDevices;
import flowscale.runtime.cli.CliFixture.Run;
import org.junit.jupiter.api.Test;

import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code flowscale info} lists every OpenCL device with the properties that matter. */
class OpenClInfoTest {

    @Test
    void infoListsEveryOpenClDevice() {
        assertTrue(ClDevices.available(), "no OpenCL device found; these tests need one (Debian: apt-get install pocl-opencl-icd ocl-icd-opencl-dev)");
        Run r = run("info");
        assertEquals(0, r.code(), r.err());
        String text = r.out();
        assertTrue(text.lines().anyMatch(l -> l.startsWith("opencl ")), text);
        for (ClDevice d : ClDevices.list()) {
            assertTrue(text.contains(d.spec() + "  " + d.name()), text);
            assertTrue(text.contains(d.platformName()), text);
        }
        for (String property : new String[] {"vendor", "version", "type", "compute units", "work-group",
                "local memory", "global memory", "float vector"}) {
            assertTrue(text.lines().anyMatch(l -> l.strip().startsWith(property + " ")), "no '" + property + "' in\n" + text);
        }
    }
}
