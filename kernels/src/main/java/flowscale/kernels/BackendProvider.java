package flowscale.kernels;

import java.util.List;

/**
 * One kind of backend, found by {@link Backends} through {@link java.util.ServiceLoader}: the spec's first
 * word and how to build a backend from the remaining words. Each backend package lists its provider in
 * {@code META-INF/services/flowscale.kernels.BackendProvider}, so this package never names a backend
 * package and a build without one (e.g. without the Vector-API {@code cpu} backend) still works.
 */
public interface BackendProvider {
    /** The spec's first word, e.g. {@code cpu}. */
    String name();

    /** How the spec is written, for messages, e.g. {@code cpu[:THREADS]}. */
    String usage();

    /** Whether this JVM and machine can create the backend (a listed provider may still lack its library). */
    boolean available();

    /**
     * A new backend; the caller owns it and must close it.
     *
     * @param spec the whole spec, stripped, for messages
     * @param args the colon-separated words after the name (empty for a bare name)
     * @throws IllegalArgumentException (one line) for malformed arguments or a backend this JVM cannot provide
     */
    Backend create(String spec, List<String> args);
}
