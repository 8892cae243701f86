package flowscale.runtime.cli;

import java.util.Locale;

/**
 * An {@link OutOfMemoryError} as one line: what ran out (heap, threads, direct memory) and how much the JVM
 * may use, with the remedy. Exit status 1: the input was accepted, the machine could not hold the work.
 */
final class OutOfMemory extends RuntimeException {
    OutOfMemory(OutOfMemoryError e) {
        super(describe(e), e, false, false);
    }

    static String describe(OutOfMemoryError e) {
        String what = e.getMessage() == null ? "" : e.getMessage();
        String heap = String.format(Locale.ROOT, "%.1f GiB", Runtime.getRuntime().maxMemory() / (double) (1L << 30));
        if (what.contains("native thread")) {
            return "out of memory: cannot start another thread (" + Runtime.getRuntime().availableProcessors()
                    + " processors here); use fewer threads, e.g. --backend cpu";
        }
        return "out of memory (" + (what.isBlank() ? "Java heap space" : what) + "): the work needed more than the "
                + heap + " this JVM may use; make it smaller (generate: --budget or --search-opt n=; train: batchSize)"
                + " or raise -Xmx (FLOWSCALE_JAVA_OPTS=-Xmx8g)";
    }
}
