package flowscale.kernels.opencl;

import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_command_queue;
import org.jocl.cl_kernel;

import static org.jocl.CL.clEnqueueNDRangeKernel;
import static org.jocl.CL.clSetKernelArg;

/**
 * One kernel's launches: arguments set in declaration order, so a call site reads like the kernel's
 * signature ({@code kernel("axpby").i32(rows).i32(cols).f32(a)...run(cols, rows)}). One instance per
 * kernel, reused: OpenCL copies argument values and work sizes when they are passed, so the holders
 * below are refilled for every call and a launch allocates nothing. Arguments stay set on the kernel
 * object, which is why the backend's ops are synchronized.
 */
final class ClLaunch {
    private final cl_kernel kernel;
    private final cl_command_queue queue;
    private final int[] intArg = new int[1];
    private final long[] longArg = new long[1];
    private final float[] floatArg = new float[1];
    private final Pointer intPtr = Pointer.to(intArg);
    private final Pointer longPtr = Pointer.to(longArg);
    private final Pointer floatPtr = Pointer.to(floatArg);
    private final long[] global1 = new long[1];
    private final long[] global2 = new long[2];
    private final long[] local1 = new long[1];
    private final long[] local2 = new long[2];
    private int index;

    ClLaunch(cl_kernel kernel, cl_command_queue queue) {
        this.kernel = kernel;
        this.queue = queue;
    }

    /** Starts a new argument list. */
    ClLaunch reset() {
        index = 0;
        return this;
    }

    ClLaunch mem(ClStorage s) {
        clSetKernelArg(kernel, index++, Sizeof.cl_mem, s.pointer());
        return this;
    }

    ClLaunch i32(int v) {
        intArg[0] = v;
        clSetKernelArg(kernel, index++, Sizeof.cl_int, intPtr);
        return this;
    }

    ClLaunch i64(long v) {
        longArg[0] = v;
        clSetKernelArg(kernel, index++, Sizeof.cl_long, longPtr);
        return this;
    }

    ClLaunch f32(float v) {
        floatArg[0] = v;
        clSetKernelArg(kernel, index++, Sizeof.cl_float, floatPtr);
        return this;
    }

    /** Enqueues {@code gx} work-items; the driver picks the work-group size. */
    void run(long gx) {
        global1[0] = gx;
        clEnqueueNDRangeKernel(queue, kernel, 1, null, global1, null, 0, null, null);
    }

    /** Enqueues {@code gx x gy} work-items; the driver picks the work-group size. */
    void run(long gx, long gy) {
        global2[0] = gx;
        global2[1] = gy;
        clEnqueueNDRangeKernel(queue, kernel, 2, null, global2, null, 0, null, null);
    }

    /** Enqueues {@code gx} work-items in groups of {@code lx} ({@code gx} a multiple of {@code lx}). */
    void runGroups(long gx, long lx) {
        global1[0] = gx;
        local1[0] = lx;
        clEnqueueNDRangeKernel(queue, kernel, 1, null, global1, local1, 0, null, null);
    }

    /** Enqueues {@code gx x gy} work-items in groups of {@code lx x ly}. */
    void runGroups(long gx, long gy, long lx, long ly) {
        global2[0] = gx;
        global2[1] = gy;
        local2[0] = lx;
        local2[1] = ly;
        clEnqueueNDRangeKernel(queue, kernel, 2, null, global2, local2, 0, null, null);
    }
}
