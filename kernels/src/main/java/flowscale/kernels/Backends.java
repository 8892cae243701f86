package flowscale.kernels;

import flowscale.kernels.opencl.ClDevices;
import flowscale.kernels.opencl.OpenClBackend;
import flowscale.kernels.reference.ReferenceBackend;

import java.lang.reflect.InvocationTargetException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Creates backends from a spec string: {@code reference}, {@code cpu}, {@code cpu:THREADS}, {@code opencl},
 * {@code opencl:P:D}, {@code opencl:cpu|gpu|accelerator} or {@code opencl:NAME}. A spec is a
 * kind name followed by colon-separated arguments, so a new kind (e.g. {@code opencl:PLATFORM:DEVICE}) is one
 * more {@link Kind} in {@link #KINDS}.
 *
 * <p>The cpu backend is looked up by class name at run time, so this class compiles and works in builds
 * that do not contain it.
 */
public final class Backends {
    /** The Vector-API backend; optional in a build, hence loaded reflectively. */
    static final String CPU_CLASS = "flowscale.kernels.cpu.CpuBackend";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    private static final List<Kind> KINDS = List.of(new ReferenceKind(), new CpuKind(), new OpenClKind());

    private Backends() {}

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
        for (Kind kind : KINDS) {
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
        for (Kind kind : KINDS) {
            if (kind.available()) names.add(kind.name());
        }
        return List.copyOf(names);
    }

    /** The spec forms this build accepts, for messages: e.g. {@code reference, cpu[:THREADS]}. */
    public static String describeAvailable() {
        List<String> forms = new ArrayList<>();
        for (Kind kind : KINDS) {
            if (kind.available()) forms.add(kind.usage());
        }
        return String.join(", ", forms);
    }

    /** True when the JVM was started with the Vector API module ({@code --add-modules jdk.incubator.vector}). */
    public static boolean vectorApiPresent() {
        return ModuleLayer.boot().findModule(VECTOR_MODULE).isPresent();
    }

    /** One kind of backend: the spec's first word and how to build one from the remaining words. */
    private interface Kind {
        String name();

        /** How the spec is written, for messages. */
        String usage();

        boolean available();

        Backend create(String spec, List<String> args);
    }

    private static final class ReferenceKind implements Kind {
        @Override public String name() { return "reference"; }

        @Override public String usage() { return "reference"; }

        @Override public boolean available() { return true; }

        @Override
        public Backend create(String spec, List<String> args) {
            if (!args.isEmpty()) {
                throw new IllegalArgumentException("backend '" + spec + "': 'reference' takes no arguments");
            }
            return new ReferenceBackend();
        }
    }

    private static final class CpuKind implements Kind {
        @Override public String name() { return "cpu"; }

        @Override public String usage() { return "cpu[:THREADS]"; }

        @Override
        public boolean available() {
            return cpuClass() != null && vectorApiPresent();
        }

        @Override
        public Backend create(String spec, List<String> args) {
            Class<?> type = cpuClass();
            if (type == null) {
                throw new IllegalArgumentException("backend 'cpu' is not available in this build; available: "
                        + describeAvailable());
            }
            if (!vectorApiPresent()) {
                throw new IllegalArgumentException("backend 'cpu' needs the Vector API: start java with "
                        + "--add-modules " + VECTOR_MODULE + " (the ./flowscale launcher does)");
            }
            if (args.size() > 1) {
                throw new IllegalArgumentException("backend '" + spec + "': expected cpu or cpu:THREADS");
            }
            try {
                if (args.isEmpty()) {
                    return (Backend) type.getConstructor().newInstance();
                }
                int threads = parseThreads(spec, args.get(0));
                return (Backend) type.getConstructor(int.class).newInstance(threads);
            } catch (InvocationTargetException e) {
                if (e.getCause() instanceof RuntimeException re) throw re;
                if (e.getCause() instanceof Error err) throw err;
                throw new IllegalStateException("backend '" + spec + "' failed to start: " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException | ClassCastException e) {
                throw new IllegalStateException("backend class " + CPU_CLASS + " does not have the expected public "
                        + "constructors CpuBackend() and CpuBackend(int): " + e, e);
            }
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

        private static Class<?> cpuClass() {
            try {
                return Class.forName(CPU_CLASS, false, Backends.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                return null;
            }
        }
    }

    /** OpenCL devices through JOCL; available when an OpenCL platform with a device is installed. */
    private static final class OpenClKind implements Kind {
        @Override public String name() { return "opencl"; }

        @Override public String usage() { return "opencl[:P:D|:cpu|:gpu|:accelerator|:NAME]"; }

        @Override public boolean available() { return ClDevices.available(); }

        @Override
        public Backend create(String spec, List<String> args) {
            try {
                return OpenClBackend.create(spec);
            } catch (flowscale.kernels.opencl.OpenClUnavailableException e) {
                // No OpenCL library or platform: the message already carries the remedy.
                throw new IllegalArgumentException("backend '" + spec + "': " + e.getMessage(), e);
            }
        }
    }
}
