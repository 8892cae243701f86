package flowscale.runtime.cli;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.runtime.UserError;
import flowscale.runtime.model.DeviceSpec;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code flowscale info}: what this JVM and build offer: Java, OS, cores, heap, the backends found, the
 * Vector API's preferred species, the cpu backend's thread count, how to spread a batch over several
 * devices and the OpenCL devices. Anything missing gets a one-line remedy instead of a failure, since this
 * is the command to run when something is missing.
 */
@Command(name = "info",
        mixinStandardHelpOptions = true,
        description = {
            "Show the Java runtime, OS, processors, heap, the backends this build provides,",
            "the Vector API's preferred species, the threads the cpu backend would use",
            "and every OpenCL platform and device."})
public final class InfoCommand implements Callable<Integer> {
    private static final String VECTOR_REMEDY =
            "missing: start java with --add-modules jdk.incubator.vector (the ./flowscale launcher does)";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        row(out, "java", System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ", "
                + System.getProperty("java.vm.name") + ") at " + System.getProperty("java.home"));
        row(out, "os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        row(out, "processors", Integer.toString(Runtime.getRuntime().availableProcessors()));
        row(out, "max heap", mebibytes(Runtime.getRuntime().maxMemory()));
        row(out, "backends", String.join(", ", Backends.available()));
        row(out, "vector api", vectorApi());
        row(out, "cpu threads", cpuThreads());
        row(out, "devices", "one model copy per device, batches split between them: generate --devices "
                + DeviceSpec.SYNTAX + ", e.g. cpu:1,cpu:1 or cpu,opencl:0:0");
        OpenClInfo.print(out);
        out.flush();
        return Main.EXIT_OK;
    }

    private static String vectorApi() {
        if (!Backends.vectorApiPresent()) return VECTOR_REMEDY;
        try {
            return VectorApiInfo.preferredSpecies();
        } catch (LinkageError e) {
            return VECTOR_REMEDY;
        }
    }

    /** The cpu backend's own answer (it is created and closed again), or why there is none. */
    private static String cpuThreads() {
        if (!Backends.available().contains("cpu")) {
            return "cpu backend not available (" + (Backends.vectorApiPresent()
                    ? "not in this build" : "needs jdk.incubator.vector") + ")";
        }
        try (Backend cpu = Backends.create("cpu")) {
            return cpu.threads() + " (override with --backend cpu:THREADS)";
        } catch (RuntimeException | LinkageError e) {
            return "cpu backend failed to start: " + UserError.oneLine(e.getMessage());
        }
    }

    private static String mebibytes(long bytes) {
        if (bytes == Long.MAX_VALUE) return "unlimited";
        return String.format(Locale.ROOT, "%.0f MiB", bytes / (1024.0 * 1024.0));
    }

    private static void row(PrintWriter out, String key, String value) {
        out.printf(Locale.ROOT, "%-12s %s%n", key, value);
    }
}
