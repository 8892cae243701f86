package flowscale.kernels.opencl;

import flowscale.kernels.Backends;

/**
 * Run in a child JVM whose OpenCL loader sees no platform: prints whether opencl is listed as
 * available and the message a user gets on asking for it.
 */
public final class NoPlatformProbe {
    private NoPlatformProbe() {}

    public static void main(String[] args) {
        System.out.println("listed=" + Backends.available().contains("opencl"));
        try {
            Backends.create("opencl").close();
            System.out.println("created");
        } catch (IllegalArgumentException e) {
            System.out.println("error=" + e.getMessage());
        }
    }
}
