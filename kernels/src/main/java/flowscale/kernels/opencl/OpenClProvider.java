package flowscale.kernels.opencl;

import flowscale.kernels.Backend;
import flowscale.kernels.BackendProvider;

import java.util.List;

/** {@code opencl[:P:D|:cpu|:gpu|:accelerator|:NAME]}: available when an OpenCL platform with a device is installed. */
public final class OpenClProvider implements BackendProvider {
    @Override public String name() { return "opencl"; }

    @Override public String usage() { return "opencl[:P:D|:cpu|:gpu|:accelerator|:NAME]"; }

    @Override public boolean available() { return ClDevices.available(); }

    @Override
    public Backend create(String spec, List<String> args) {
        try {
            return OpenClBackend.create(spec);
        } catch (OpenClUnavailableException e) {
            // No OpenCL library or platform: the message already carries the remedy.
            throw new IllegalArgumentException("backend '" + spec + "': " + e.getMessage(), e);
        }
    }
}
