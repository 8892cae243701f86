package flowscale.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Creates backends from a spec string: {@code reference}, {@code cpu}, {@code cpu:THREADS}, {@code opencl},
 * {@code opencl:P:D}, {@code opencl:cpu|gpu|accelerator} or {@code opencl:NAME}. A spec is a
 * kind name followed by colon-separated arguments; each kind is a {@link BackendProvider} found through
 * {@link ServiceLoader}, so a new kind (e.g. {@code cuda}) is one more provider listed in its package's
 * {@code META-INF/services} entry, and this package depends on no backend package.
 *
 * <p>A listed provider whose classes are missing from the build is skipped, so the {@code cpu} backend stays
 * optional.
 */
public final class Backends {
    /** The module the {@code cpu} backend needs; its provider reports itself unavailable without it. */
    public static final String VECTOR_MODULE = "jdk.incubator.vector";

    private Backends() {}

    /** The providers of this build, in the order of their {@code META-INF/services} entries; loaded once. */
    private static final class Providers {
        static final List<BackendProvider> ALL = load(Backends.class.getClassLoader());
    }

    /** Every provider {@code loader} lists that can be loaded; one whose class is missing is left out. */
    static List<BackendProvider> load(ClassLoader loader) {
        List<BackendProvider> found = new ArrayList<>();
        Iterator<BackendProvider> it = ServiceLoader.load(BackendProvider.class, loader).iterator();
        while (true) {
            boolean more;
            try {
                more = it.hasNext();
            } catch (ServiceConfigurationError e) {
                break; // an unreadable services file: the iterator cannot go on past it
            }
            if (!more) break;
            try {
                found.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                // A provider listed but not loadable in this build (e.g. without the cpu package): skip it.
            }
        }
        return List.copyOf(found);
    }

    /**
     * A new backend for {@code spec}; the caller owns it and must close it.
     *
     * @throws IllegalArgumentException (one line) for an unknown or malformed spec, or a backend that this
     *                                  build or JVM cannot provide
     */
    public static Backend create(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("no backend given; available: " + describeAvailable());
        }
        String[] parts = spec.strip().split(":", -1);
        String kindName = parts[0];
        List<String> args = Arrays.asList(parts).subList(1, parts.length);
        for (BackendProvider kind : Providers.ALL) {
            // Kind names in any case (CPU, OpenCL); the arguments keep theirs (an OpenCL device name is matched as given).
            if (kind.name().equalsIgnoreCase(kindName)) {
                return kind.create(spec.strip(), args);
            }
        }
        throw new IllegalArgumentException("unknown backend '" + spec.strip() + "'; available: " + describeAvailable());
    }

    /** Names of the backends this build and JVM can create, e.g. {@code [reference, cpu]}. */
    public static List<String> available() {
        List<String> names = new ArrayList<>();
        for (BackendProvider kind : Providers.ALL) {
            if (kind.available()) names.add(kind.name());
        }
        return List.copyOf(names);
    }

    /** The spec forms this build accepts, for messages: e.g. {@code reference, cpu[:THREADS]}. */
    public static String describeAvailable() {
        List<String> forms = new ArrayList<>();
        for (BackendProvider kind : Providers.ALL) {
            if (kind.available()) forms.add(kind.usage());
        }
        return String.join(", ", forms);
    }

    /** True when the JVM was started with the Vector API module ({@code --add-modules jdk.incubator.vector}). */
    public static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }
}
