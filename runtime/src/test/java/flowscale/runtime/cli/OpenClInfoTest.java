package flowscale.runtime.cli;

import flowscale.kernels.opencl.ClDevice;
import flowscale.kernels.opencl.ClDevices;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code flowscale info} lists every OpenCL device with the properties that matter. */
class OpenClInfoTest {

    @Test
    void infoListsEveryOpenClDevice() {
        assertTrue(ClDevices.available(), "no OpenCL device found; these tests need one (Debian: apt-get install pocl-opencl-icd ocl-icd-opencl-dev)");
        StringWriter out = new StringWriter(), err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        assertEquals(0, cl.execute("info"), err.toString());
        String text = out.toString();
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
