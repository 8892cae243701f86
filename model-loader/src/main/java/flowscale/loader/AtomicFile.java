package flowscale.loader;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a whole file or nothing: the content goes to a temporary file in the target's directory, which is
 * then renamed over the target, so a reader (or a Ctrl-C) never sees half a file and a failed write leaves the
 * old file in place. Every file the project writes (images, reports, traces, checkpoints, caches) goes through
 * here; it sits in model-loader, the one module below both kernels and runtime.
 *
 * <p>The temporary file is a plain new file, not {@code Files.createTempFile}'s, whose files are owner-only
 * (0600): outputs get the usual permissions, 0666 minus the umask. The directory must exist; a missing one is a
 * {@link NoSuchFileException} naming it.
 */
public final class AtomicFile {
    /** What goes into the file, written to a stream that the caller must not close. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFile() {}

    public static void write(Path file, Content content) throws IOException {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        if (!Files.isDirectory(dir)) throw new NoSuchFileException(dir.toString());
        Path tmp = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
        boolean moved = false;
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), 1 << 16)) {
                content.writeTo(out);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            moved = true;
        } finally {
            if (!moved) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the write's own failure is the one worth reporting
                }
            }
        }
    }

    public static void write(Path file, byte[] bytes) throws IOException {
        write(file, out -> out.write(bytes));
    }

    public static void writeString(Path file, String text) throws IOException {
        write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
