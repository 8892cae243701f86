/**
 * The {@code opencl} backend: every {@link flowscale.kernels.Backend} op as an OpenCL C kernel, run
 * through JOCL on any OpenCL 1.2+ device (tested on PoCL, the CPU driver).
 *
 * <h2>Choosing a device</h2>
 * {@code Backends.create(spec)} with {@code opencl} (the first GPU, else the first device),
 * {@code opencl:P:D} (platform and device index as {@code flowscale info} lists them),
 * {@code opencl:cpu|gpu|accelerator} or {@code opencl:NAME} (a substring of the device, vendor or
 * platform name). A spec that matches nothing fails with one line listing the devices; a machine
 * without an OpenCL loader or platform fails with one line saying what to install
 * ({@link flowscale.kernels.opencl.OpenClUnavailableException}).
 *
 * <h2>Environment</h2>
 * JOCL opens the ICD loader as {@code libOpenCL.so}, which Debian ships in {@code ocl-icd-opencl-dev}
 * (the runtime package has only {@code libOpenCL.so.1}). A JVM that loads PoCL must start with
 * {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so}: PoCL's LLVM installs signal handlers of its own.
 * The launcher and the test JVMs do this.
 *
 * <h2>Kernels</h2>
 * Sources are resources, one file per family ({@code gemm.cl}, {@code attention.cl}, {@code norm.cl},
 * ...), joined behind {@code prelude.h} into one program. Kernel bodies use only the prelude's macros
 * ({@code KERNEL}, {@code GLOBAL}, {@code LOCAL_BARRIER}, {@code EXP}, ...), so the generic kernels also
 * compile as CUDA C. Two variants per hot op, chosen by device type at run time:
 * <ul>
 *   <li>generic (GPU) kernels: work-groups with local-memory tiling (a 64x64 SGEMM tile with 4x4
 *       register blocks, attention with key/value tiles in local memory and an online softmax, norms
 *       and reductions as tree reductions in local memory, finished on the host in double);</li>
 *   <li>CPU-device kernels ({@code HAS_VECTOR_TYPES} sections): float16/float8/float4 vector types and
 *       no barriers, which a CPU driver can only emulate.</li>
 * </ul>
 * {@code normal} is generated on the host by {@link flowscale.kernels.Philox} and uploaded: the contract
 * asks for StrictMath's floats bit for bit, and device sin/cos/log are not correctly rounded.
 *
 * <h2>Program cache</h2>
 * The built program's binary is kept under {@code $XDG_CACHE_HOME/flowscale/opencl} (default
 * {@code ~/.cache/flowscale/opencl}; system property {@code flowscale.opencl.cache} overrides), named by a
 * hash of device, driver, source and options, so the next start skips the compiler; a binary the driver
 * rejects is rebuilt from source.
 */
package flowscale.kernels.opencl;
