package flowscale.runtime.cli;

import flowscale.runtime.search.StopFlag;

import javax.imageio.ImageIO;
import java.io.PrintWriter;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C during {@code generate}: a shutdown hook sets the {@link StopFlag} the searches check at every batch
 * boundary, then holds the JVM open until the command has written what it found ({@link #close()}), for at
 * most {@link #GRACE_SECONDS}. The JVM then exits with the usual status for SIGINT (130). Code that runs
 * after a Ctrl-C must not add shutdown hooks (the JVM refuses them then).
 */
final class Interruption implements AutoCloseable {
    static final long GRACE_SECONDS = 120;

    private final StopFlag flag;
    private final CountDownLatch written = new CountDownLatch(1);
    private final Thread hook;

    private Interruption(StopFlag flag, PrintWriter err) {
        this.flag = flag;
        this.hook = new Thread(() -> {
            if (flag.request()) {
                err.println();
                err.println("interrupted: stopping at the next batch, then writing the best found so far ...");
                err.flush();
            }
            try {
                written.await(GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "flowscale-ctrl-c");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Watches for Ctrl-C (JVM shutdown) until closed; {@code flag} may already be set (tests do). */
    static Interruption watch(StopFlag flag, PrintWriter err) {
        // Outputs are written after the shutdown has begun, when nothing may add a shutdown hook; ImageIO's
        // disk cache adds one per stream, so PNGs are encoded in memory instead (they are small).
        ImageIO.setUseCache(false);
        return new Interruption(flag, err);
    }

    StopFlag flag() {
        return flag;
    }

    /** Everything is written: lets a pending shutdown proceed, or stops watching if none is under way. */
    @Override
    public void close() {
        written.countDown();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running (Ctrl-C): it returns now that the outputs are written.
        }
    }
}
