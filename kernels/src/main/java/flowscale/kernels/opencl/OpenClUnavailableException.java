package flowscale.kernels.opencl;

/** No OpenCL library, platform or device on this machine; the message says how to install one. */
public final class OpenClUnavailableException extends IllegalStateException {
    OpenClUnavailableException(String message) {
        super(message);
    }
}
