package flowscale.kernels.cpu;

import flowscale.kernels.Backend;
import flowscale.kernels.BackendProvider;
import flowscale.kernels.Backends;

import java.util.List;

/**
 * {@code cpu} or {@code cpu:THREADS}: the Vector-API backend. This class itself uses no Vector API type, so
 * it loads in a JVM started without {@code jdk.incubator.vector}; it reports itself unavailable there and
 * {@link CpuBackend} is only touched once the module is known to be present.
 */
public final class CpuProvider implements BackendProvider {
    @Override public String name() { return "cpu"; }

    @Override public String usage() { return "cpu[:THREADS]"; }

    @Override public boolean available() { return Backends.vectorApiPresent(); }

    @Override
    public Backend create(String spec, List<String> args) {
        if (!Backends.vectorApiPresent()) {
            throw new IllegalArgumentException("backend 'cpu' needs the Vector API: start java with "
                    + "--add-modules " + Backends.VECTOR_MODULE + " (the ./flowscale launcher does)");
        }
        if (args.size() > 1) {
            throw new IllegalArgumentException("backend '" + spec + "': expected cpu or cpu:THREADS");
        }
        return args.isEmpty() ? new CpuBackend() : new CpuBackend(parseThreads(spec, args.get(0)));
    }

    private static int parseThreads(String spec, String text) {
        int threads;
        try {
            threads = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            threads = 0;
        }
        if (threads <= 0) {
            throw new IllegalArgumentException("backend '" + spec + "': thread count '" + text
                    + "' is not a positive integer");
        }
        return threads;
    }
}
