package flowscale.kernels.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import static org.jocl.CL.*;

/** Enumerates OpenCL platforms and devices and picks one from a backend spec. */
public final class ClDevices {
    /** What to do when the OpenCL loader or any platform is missing. */
    static final String REMEDY = "install an OpenCL driver (ICD) and the loader under the name JOCL opens (libOpenCL.so), "
            + "e.g. 'apt-get install ocl-icd-opencl-dev pocl-opencl-icd' for the CPU driver PoCL, and check with 'clinfo -l'";

    private ClDevices() {}

    /**
     * Every device of every platform, in driver order.
     *
     * @throws IllegalStateException (one line, with a remedy) when the OpenCL library or any platform is missing
     */
    public static List<ClDevice> list() {
        try {
            CL.setExceptionsEnabled(true);
            int[] count = new int[1];
            try {
                clGetPlatformIDs(0, null, count);
            } catch (CLException e) {
                // The ICD loader reports "no platform" as an error code rather than zero platforms.
                throw new OpenClUnavailableException("no OpenCL platform is installed (" + e.getMessage() + "): " + REMEDY);
            }
            if (count[0] == 0) throw new OpenClUnavailableException("no OpenCL platform is installed: " + REMEDY);
            cl_platform_id[] platforms = new cl_platform_id[count[0]];
            clGetPlatformIDs(platforms.length, platforms, null);
            List<ClDevice> out = new ArrayList<>();
            for (int p = 0; p < platforms.length; p++) {
                int[] n = new int[1];
                try {
                    clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, 0, null, n);
                } catch (CLException e) {
                    continue;   // CL_DEVICE_NOT_FOUND: a platform without devices
                }
                cl_device_id[] devices = new cl_device_id[n[0]];
                clGetDeviceIDs(platforms[p], CL_DEVICE_TYPE_ALL, devices.length, devices, null);
                for (int d = 0; d < devices.length; d++) {
                    out.add(describe(p, d, platforms[p], devices[d]));
                }
            }
            if (out.isEmpty()) throw new OpenClUnavailableException("OpenCL platforms are installed but none has a device: " + REMEDY);
            return List.copyOf(out);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new OpenClUnavailableException("the OpenCL library could not be loaded (" + e.getMessage() + "): " + REMEDY);
        }
    }

    /** Whether at least one OpenCL device can be used; never throws. */
    public static boolean available() {
        try {
            return !list().isEmpty();
        } catch (IllegalStateException | CLException e) {
            return false;
        }
    }

    /**
     * The device a backend spec names: {@code opencl} (first GPU, else the first device),
     * {@code opencl:P:D} (platform and device index), {@code opencl:cpu|gpu|accelerator} (first of
     * that type) or {@code opencl:TEXT} (first device whose name, vendor or platform contains TEXT,
     * ignoring case).
     *
     * @throws IllegalArgumentException (one line listing the devices) when nothing matches
     */
    public static ClDevice select(String spec) {
        List<ClDevice> devices = list();
        String s = spec.strip();
        if (!s.toLowerCase(Locale.ROOT).startsWith("opencl")) {
            throw new IllegalArgumentException("not an OpenCL backend spec: '" + spec + "'");
        }
        String sel = s.substring("opencl".length());
        if (sel.isEmpty()) {
            return devices.stream().filter(d -> d.type() == ClDevice.Type.GPU).findFirst().orElse(devices.getFirst());
        }
        if (!sel.startsWith(":") || sel.length() == 1) {
            throw new IllegalArgumentException("bad OpenCL backend spec '" + spec + "': use opencl, opencl:P:D, "
                    + "opencl:cpu|gpu|accelerator or opencl:NAME; " + listing(devices));
        }
        sel = sel.substring(1);
        if (sel.matches("\\d+:\\d+")) {
            int p = Integer.parseInt(sel.substring(0, sel.indexOf(':')));
            int d = Integer.parseInt(sel.substring(sel.indexOf(':') + 1));
            for (ClDevice dev : devices) {
                if (dev.platformIndex() == p && dev.deviceIndex() == d) return dev;
            }
            throw new IllegalArgumentException("no OpenCL device " + p + ":" + d + "; " + listing(devices));
        }
        String lower = sel.toLowerCase(Locale.ROOT);
        for (ClDevice.Type t : ClDevice.Type.values()) {
            if (t != ClDevice.Type.OTHER && t.name().toLowerCase(Locale.ROOT).equals(lower)) {
                return devices.stream().filter(d -> d.type() == t).findFirst().orElseThrow(() ->
                        new IllegalArgumentException("no OpenCL " + lower + " device; " + listing(devices)));
            }
        }
        for (ClDevice dev : devices) {
            String hay = (dev.name() + " " + dev.vendor() + " " + dev.platformName()).toLowerCase(Locale.ROOT);
            if (hay.contains(lower)) return dev;
        }
        throw new IllegalArgumentException("no OpenCL device matches '" + sel + "'; " + listing(devices));
    }

    static String listing(List<ClDevice> devices) {
        return "available: " + devices.stream().map(ClDevice::summary).collect(Collectors.joining(", "));
    }

    private static ClDevice describe(int p, int d, cl_platform_id platform, cl_device_id device) {
        long type = longInfo(device, CL_DEVICE_TYPE);
        ClDevice.Type t = (type & CL_DEVICE_TYPE_GPU) != 0 ? ClDevice.Type.GPU
                : (type & CL_DEVICE_TYPE_CPU) != 0 ? ClDevice.Type.CPU
                : (type & CL_DEVICE_TYPE_ACCELERATOR) != 0 ? ClDevice.Type.ACCELERATOR
                : ClDevice.Type.OTHER;
        return new ClDevice(p, d, platform, device,
                platformString(platform, CL_PLATFORM_NAME), platformString(platform, CL_PLATFORM_VERSION),
                deviceString(device, CL_DEVICE_NAME), deviceString(device, CL_DEVICE_VENDOR),
                deviceString(device, CL_DEVICE_VERSION), deviceString(device, CL_DRIVER_VERSION),
                t,
                intInfo(device, CL_DEVICE_MAX_COMPUTE_UNITS),
                sizeInfo(device, CL_DEVICE_MAX_WORK_GROUP_SIZE),
                longInfo(device, CL_DEVICE_LOCAL_MEM_SIZE),
                longInfo(device, CL_DEVICE_GLOBAL_MEM_SIZE),
                longInfo(device, CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                intInfo(device, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT));
    }

    private static String platformString(cl_platform_id platform, int param) {
        long[] size = new long[1];
        clGetPlatformInfo(platform, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetPlatformInfo(platform, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static String deviceString(cl_device_id device, int param) {
        long[] size = new long[1];
        clGetDeviceInfo(device, param, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetDeviceInfo(device, param, buf.length, Pointer.to(buf), null);
        return cString(buf);
    }

    private static String cString(byte[] buf) {
        int n = 0;
        while (n < buf.length && buf[n] != 0) n++;
        return new String(buf, 0, n, StandardCharsets.UTF_8).strip();
    }

    private static int intInfo(cl_device_id device, int param) {
        int[] v = new int[1];
        clGetDeviceInfo(device, param, Sizeof.cl_uint, Pointer.to(v), null);
        return v[0];
    }

    private static long longInfo(cl_device_id device, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(device, param, Sizeof.cl_ulong, Pointer.to(v), null);
        return v[0];
    }

    private static long sizeInfo(cl_device_id device, int param) {
        long[] v = new long[1];
        clGetDeviceInfo(device, param, Sizeof.size_t, Pointer.to(v), null);
        return v[0];
    }
}
