package flowscale.kernels.opencl;

import flowscale.loader.AtomicFile;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_context;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import static org.jocl.CL.*;

/**
 * Builds OpenCL programs, keeping the driver's compiled binary on disk so that the next start on the
 * same device, driver, source and options skips the compiler. A cached binary that the driver rejects
 * is ignored: the program is rebuilt from source and the cache entry replaced.
 */
final class ClProgramCache {
    /** A built program and whether it came from the on-disk cache. */
    record Built(cl_program program, boolean fromCache, Path cacheFile) {}

    private final Path directory;

    ClProgramCache(Path directory) {
        this.directory = directory;
    }

    /**
     * The default place: {@code $XDG_CACHE_HOME/flowscale/opencl} (else {@code ~/.cache/flowscale/opencl}),
     * overridable with the system property {@code flowscale.opencl.cache}.
     */
    static Path defaultDirectory() {
        String override = System.getProperty("flowscale.opencl.cache");
        if (override != null && !override.isBlank()) return Path.of(override);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("flowscale").resolve("opencl");
    }

    Built build(cl_context context, ClDevice device, String source, String options) {
        Path file = directory.resolve(key(device, source, options) + ".bin");
        if (Files.isRegularFile(file)) {
            cl_program cached = fromBinary(context, device.device(), file, options);
            if (cached != null) return new Built(cached, true, file);
        }
        cl_program program = clCreateProgramWithSource(context, 1, new String[] {source}, null, null);
        try {
            clBuildProgram(program, 1, new cl_device_id[] {device.device()}, options, null, null);
        } catch (CLException e) {
            String log = buildLog(program, device.device());
            clReleaseProgram(program);
            throw new IllegalStateException("OpenCL kernels failed to compile on " + device.name() + ": " + log, e);
        }
        store(program, file);
        return new Built(program, false, file);
    }

    /** The cache key: everything that changes the compiled code. */
    static String key(ClDevice device, String source, String options) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {device.platformName(), device.platformVersion(), device.name(),
                    device.vendor(), device.version(), device.driverVersion(), options, source}) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    private static cl_program fromBinary(cl_context context, cl_device_id device, Path file, String options) {
        byte[] binary;
        try {
            binary = Files.readAllBytes(file);
        } catch (IOException e) {
            return null;
        }
        if (binary.length == 0) return null;
        cl_program program = null;
        try {
            int[] status = new int[1];
            program = clCreateProgramWithBinary(context, 1, new cl_device_id[] {device},
                    new long[] {binary.length}, new byte[][] {binary}, status, null);
            if (status[0] != CL_SUCCESS) {
                clReleaseProgram(program);
                return null;
            }
            clBuildProgram(program, 1, new cl_device_id[] {device}, options, null, null);
            return program;
        } catch (CLException e) {
            if (program != null) clReleaseProgram(program);
            return null;
        }
    }

    /** Writes the program's binary through a temporary file, so a reader never sees half an entry. */
    private void store(cl_program program, Path file) {
        try {
            long[] size = new long[1];
            clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, Sizeof.size_t, Pointer.to(size), null);
            if (size[0] <= 0 || size[0] > Integer.MAX_VALUE) return;
            byte[] binary = new byte[(int) size[0]];
            clGetProgramInfo(program, CL_PROGRAM_BINARIES, Sizeof.POINTER, Pointer.to(Pointer.to(binary)), null);
            Files.createDirectories(directory);
            AtomicFile.write(file, binary);
        } catch (IOException | CLException e) {
            // A cache that cannot be written only costs a compile on the next start.
        }
    }

    private static String buildLog(cl_program program, cl_device_id device) {
        try {
            long[] size = new long[1];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, 0, null, size);
            byte[] buf = new byte[(int) size[0]];
            clGetProgramBuildInfo(program, device, CL_PROGRAM_BUILD_LOG, buf.length, Pointer.to(buf), null);
            return new String(buf, StandardCharsets.UTF_8).strip();
        } catch (CLException e) {
            return "(no build log: " + e.getMessage() + ")";
        }
    }
}
