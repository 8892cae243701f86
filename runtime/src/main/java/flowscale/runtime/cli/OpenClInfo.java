package flowscale.runtime.cli;

import flowscale.kernels.opencl.ClDevice;
import flowscale.kernels.opencl.ClDevices;
import flowscale.kernels.opencl.OpenClUnavailableException;
import flowscale.runtime.UserError;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;

/**
 * The OpenCL part of {@code flowscale info}: every platform and device with the properties that decide
 * whether and how to use it, each under the backend spec that selects it; or the remedy when there is none.
 */
final class OpenClInfo {
    private OpenClInfo() {}

    static void print(PrintWriter out) {
        List<ClDevice> devices;
        try {
            devices = ClDevices.list();
        } catch (OpenClUnavailableException e) {
            out.printf(Locale.ROOT, "%-12s %s%n", "opencl", UserError.oneLine(e.getMessage()));
            return;
        }
        long platforms = devices.stream().mapToInt(ClDevice::platformIndex).distinct().count();
        out.printf(Locale.ROOT, "%-12s %d device%s on %d platform%s (select with --backend opencl, opencl:P:D, "
                        + "opencl:cpu|gpu|accelerator or opencl:NAME)%n",
                "opencl", devices.size(), devices.size() == 1 ? "" : "s", platforms, platforms == 1 ? "" : "s");
        for (ClDevice d : devices) {
            d.describe().lines().forEach(line -> out.println("  " + line));
        }
    }
}
