package flowscale.kernels.opencl;

import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_program;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.jocl.CL.*;

/**
 * The OpenCL objects one backend owns on one device: a context, one in-order command queue, the
 * program built from {@link ClSources} (through the {@link ClProgramCache}) and its kernels by name.
 */
final class ClContext implements AutoCloseable {
    private final cl_context context;
    private final cl_command_queue queue;
    private final cl_program program;
    private final boolean programFromCache;
    private final Map<String, cl_kernel> kernels = new HashMap<>();
    private final Map<String, ClLaunch> launches = new HashMap<>();

    ClContext(ClDevice device, Path cacheDirectory, String buildOptions) {
        CL.setExceptionsEnabled(true);
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL_CONTEXT_PLATFORM, device.platform());
        this.context = clCreateContext(props, 1, new cl_device_id[] {device.device()}, null, null, null);
        cl_command_queue q = null;
        cl_program p = null;
        try {
            q = createQueue(context, device);
            ClProgramCache.Built built = new ClProgramCache(cacheDirectory).build(context, device, ClSources.program(), buildOptions);
            p = built.program();
            this.programFromCache = built.fromCache();
            int[] n = new int[1];
            clCreateKernelsInProgram(p, 0, null, n);
            cl_kernel[] all = new cl_kernel[n[0]];
            clCreateKernelsInProgram(p, all.length, all, null);
            for (cl_kernel k : all) kernels.put(kernelName(k), k);
        } catch (RuntimeException e) {
            for (cl_kernel k : kernels.values()) clReleaseKernel(k);
            if (p != null) clReleaseProgram(p);
            if (q != null) clReleaseCommandQueue(q);
            clReleaseContext(context);
            throw e;
        }
        this.queue = q;
        this.program = p;
        kernels.forEach((name, k) -> launches.put(name, new ClLaunch(k, queue)));
    }

    @SuppressWarnings("deprecation")
    private static cl_command_queue createQueue(cl_context context, ClDevice device) {
        // clCreateCommandQueue is deprecated in OpenCL 2.0 but is the one call every 1.2+ driver has.
        return clCreateCommandQueue(context, device.device(), 0, null);
    }

    private static String kernelName(cl_kernel k) {
        long[] size = new long[1];
        clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, 0, null, size);
        byte[] buf = new byte[(int) size[0]];
        clGetKernelInfo(k, CL_KERNEL_FUNCTION_NAME, buf.length, Pointer.to(buf), null);
        int len = 0;
        while (len < buf.length && buf[len] != 0) len++;
        return new String(buf, 0, len, StandardCharsets.US_ASCII);
    }

    cl_context context() {
        return context;
    }

    cl_command_queue queue() {
        return queue;
    }

    boolean programFromCache() {
        return programFromCache;
    }

    /** The named kernel's launch, its arguments to be set in order. */
    ClLaunch kernel(String name) {
        ClLaunch l = launches.get(name);
        if (l == null) throw new IllegalStateException("kernel " + name + " is missing from the OpenCL program");
        return l.reset();
    }

    void finish() {
        clFinish(queue);
    }

    /** Waits for the queue (if the device still answers) and releases everything. */
    @Override
    public void close() {
        try {
            clFinish(queue);
        } catch (CLException e) {
            // The device is gone or broken; release what can be released.
        }
        for (cl_kernel k : kernels.values()) clReleaseKernel(k);
        kernels.clear();
        launches.clear();
        clReleaseProgram(program);
        clReleaseCommandQueue(queue);
        clReleaseContext(context);
    }
}
