package flowscale.kernels.opencl;

import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * One OpenCL device as the driver describes it, with its place ({@code platformIndex:deviceIndex})
 * in the enumeration order of {@code clGetPlatformIDs} / {@code clGetDeviceIDs}.
 */
public record ClDevice(
        int platformIndex,
        int deviceIndex,
        cl_platform_id platform,
        cl_device_id device,
        String platformName,
        String platformVersion,
        String name,
        String vendor,
        String version,
        String driverVersion,
        Type type,
        int computeUnits,
        long maxWorkGroupSize,
        long localMemBytes,
        long globalMemBytes,
        long maxAllocBytes,
        int preferredFloatVectorWidth) {

    /** The device kinds a backend spec can select by ({@code opencl:cpu}, ...). */
    public enum Type { CPU, GPU, ACCELERATOR, OTHER }

    /** The backend spec that selects exactly this device. */
    public String spec() {
        return "opencl:" + platformIndex + ":" + deviceIndex;
    }

    /** One line for listings and error messages. */
    public String summary() {
        return platformIndex + ":" + deviceIndex + " " + name + " (" + type.name().toLowerCase() + ", " + platformName + ")";
    }

    /** A few lines with the properties that matter for choosing and sizing work. */
    public String describe() {
        return spec() + "  " + name + "\n"
                + "    platform      " + platformName + " (" + platformVersion + ")\n"
                + "    vendor        " + vendor + "\n"
                + "    version       " + version + ", driver " + driverVersion + "\n"
                + "    type          " + type.name().toLowerCase() + "\n"
                + "    compute units " + computeUnits + "\n"
                + "    work-group    max " + maxWorkGroupSize + " work-items\n"
                + "    local memory  " + mib(localMemBytes) + "\n"
                + "    global memory " + mib(globalMemBytes) + " (largest buffer " + mib(maxAllocBytes) + ")\n"
                + "    float vector  preferred width " + preferredFloatVectorWidth;
    }

    private static String mib(long bytes) {
        if (bytes < 1 << 20) return (bytes >> 10) + " KiB";
        return (bytes >> 20) + " MiB";
    }
}
