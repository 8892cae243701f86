package flowscale.kernels.opencl;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_kernel;

import static org.jocl.CL.clSetKernelArg;

/**
 * Sets a kernel's arguments in declaration order, so a call site reads like the kernel's signature:
 * {@code kernel("axpby").i32(rows).i32(cols).f32(a)...}. Arguments stay set on the kernel object, which
 * is why the backend's ops are synchronized.
 */
final class ClLaunch {
    private final cl_kernel kernel;
    private int index;

    ClLaunch(cl_kernel kernel) {
        this.kernel = kernel;
    }

    cl_kernel kernel() {
        return kernel;
    }

    ClLaunch mem(ClStorage s) {
        clSetKernelArg(kernel, index++, Sizeof.cl_mem, Pointer.to(s.mem()));
        return this;
    }

    ClLaunch i32(int v) {
        clSetKernelArg(kernel, index++, Sizeof.cl_int, Pointer.to(new int[] {v}));
        return this;
    }

    ClLaunch i64(long v) {
        clSetKernelArg(kernel, index++, Sizeof.cl_long, Pointer.to(new long[] {v}));
        return this;
    }

    ClLaunch f32(float v) {
        clSetKernelArg(kernel, index++, Sizeof.cl_float, Pointer.to(new float[] {v}));
        return this;
    }
}
