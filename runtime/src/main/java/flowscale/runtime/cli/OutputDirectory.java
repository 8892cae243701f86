package flowscale.runtime.cli;

import flowscale.runtime.UserError;
import flowscale.runtime.application.ImageOutputs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The {@code --out} directory of {@code generate}, held for one run. Every run owns the whole output set:
 * {@link #claim} creates the directory and locks it ({@value #LOCK}, so a second run on the same directory
 * is refused instead of mixing its files with the first one's), and {@link #clear} removes whatever an
 * earlier run left there (its images, report, trace, per-prompt directories and index), so that a run which
 * ends without an image never leaves an older {@code best.png} beside its own trace. Each file is then
 * written whole through a temporary file ({@link flowscale.runtime.report.AtomicFile}).
 */
final class OutputDirectory implements AutoCloseable {
    static final String LOCK = ".flowscale.lock";

    /** The files {@code generate} writes into a run's directory or, for {@code --prompts}, beside them. */
    static final Set<String> OUTPUT_FILES = Set.of(ImageOutputs.TRACE, ImageOutputs.BEST,
            ImageOutputs.CANDIDATES, ImageOutputs.REPORT, "particles.png", "index.html");

    /** A file {@code generate} writes: one of {@link #OUTPUT_FILES} or an upscaled copy {@code best_xF.png}. */
    static boolean isOutput(String name) {
        return OUTPUT_FILES.contains(name) || ImageOutputs.BEST_UPSCALED.matcher(name).matches();
    }

    /** A per-prompt directory of an earlier {@code --prompts} run ({@link PromptsFile#directoryName}). */
    private static final Pattern PROMPT_DIRECTORY = Pattern.compile("[0-9]{3,}(-[a-z0-9-]+)?");

    /** Temporary files of {@link flowscale.runtime.report.AtomicFile} and the trace writer left by a killed run. */
    private static final Pattern TEMPORARY = Pattern.compile("\\..+\\.tmp");

    private final Path dir;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;
    private final boolean created;
    private boolean cleared;

    private OutputDirectory(Path dir, Path key, FileChannel channel, FileLock lock, boolean created) {
        this.dir = dir;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
        this.created = created;
    }

    /**
     * Refuses an {@code --out} that can never be a directory (empty, an existing non-directory, a path under a
     * file) before any work starts, without creating anything.
     */
    static void check(Path out) {
        if (out.toString().isBlank()) throw new UserError("--out must name a directory, got an empty path");
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UserError("--out " + out + " exists and is not a directory");
        for (Path p = out.toAbsolutePath().getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) throw new UserError("--out " + out + ": " + p + " is not a directory");
                return;
            }
        }
    }

    /**
     * Directories claimed by runs in this JVM. POSIX file locks belong to the process, and closing any channel
     * on the lock file releases them all; so a second run in the same JVM is refused here, before it opens one.
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    /** Creates {@code out} if needed and locks it for this run; one line (exit 2) if either fails. */
    static OutputDirectory claim(Path out) {
        check(out);
        boolean created = !Files.isDirectory(out);
        Path key;
        try {
            Files.createDirectories(out);
            key = out.toRealPath();
        } catch (FileSystemException e) {
            throw new UserError("--out " + out + ": cannot create the directory (" + reason(e) + ")", e);
        } catch (IOException e) {
            throw new UserError("--out " + out + ": cannot create the directory (" + e.getMessage() + ")", e);
        }
        if (!HELD_HERE.add(key)) throw inUse(out);
        try {
            return lock(out, key, created);
        } catch (RuntimeException e) {
            HELD_HERE.remove(key);
            throw e;
        }
    }

    private static OutputDirectory lock(Path out, Path key, boolean created) {
        Path lockFile = out.resolve(LOCK);
        FileChannel channel = null;
        Object before = null;
        try {
            // Open a file whose identity is the same just before and just after the open, so that the channel is
            // known to be on the file the path names (a holder may delete it, and another run create it, any time).
            for (int attempt = 0; channel == null && attempt < 5; attempt++) {
                before = fileKey(lockFile);
                if (before == null) {
                    try {
                        Files.createFile(lockFile);
                    } catch (java.nio.file.FileAlreadyExistsException raced) {
                        // created by another run just now: take its identity on the next attempt
                    }
                    continue;
                }
                FileChannel c;
                try {
                    c = FileChannel.open(lockFile, StandardOpenOption.WRITE);
                } catch (java.nio.file.NoSuchFileException deleted) {
                    continue;
                }
                if (before.equals(fileKey(lockFile))) channel = c;
                else closeQuietly(c);
            }
        } catch (IOException e) {
            throw new UserError("--out " + out + ": cannot write there (" + (e instanceof FileSystemException f ? reason(f) : e.getMessage()) + ")", e);
        }
        if (channel == null) throw inUse(out);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (IOException e) {
            closeQuietly(channel);
            throw new UserError("--out " + out + ": cannot lock " + LOCK + " (" + e.getMessage() + ")", e);
        }
        // The holder deletes the lock file when it is done; a lock won on a file that was deleted (or replaced)
        // since this run opened it is no lock at all, since the next run locks the new file. The check compares
        // file identities by stat, which (unlike opening the file again) leaves the lock in place.
        if (lock != null && !Objects.equals(before, fileKey(lockFile))) {
            releaseQuietly(lock);
            lock = null;
        }
        if (lock == null) {
            closeQuietly(channel);
            throw inUse(out);
        }
        return new OutputDirectory(out, key, channel, lock, created);
    }

    private static UserError inUse(Path out) {
        return new UserError("--out " + out + " is in use by another flowscale run (it holds " + out.resolve(LOCK)
                + "); wait for it or choose another --out");
    }

    /** The file's identity (device and inode), or null if there is no file. */
    private static Object fileKey(Path file) {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static void releaseQuietly(FileLock lock) {
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it as well.
        }
    }

    Path path() {
        return dir;
    }

    /**
     * Removes what an earlier run wrote here: the output files, per-prompt directories that hold only output
     * files, and temporary files a killed run left. Anything else (a user's own files) is kept. Called just
     * before the first output is written (once per run), so a run refused before that leaves the old set.
     */
    void clear() throws IOException {
        if (cleared) return;
        cleared = true;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    if (PROMPT_DIRECTORY.matcher(name).matches() && onlyOutputs(p)) deleteTree(p);
                } else if (isOutput(name) || TEMPORARY.matcher(name).matches()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static boolean onlyOutputs(Path runDir) throws IOException {
        try (Stream<Path> files = Files.list(runDir)) {
            return files.allMatch(f -> Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)
                    && (isOutput(f.getFileName().toString()) || TEMPORARY.matcher(f.getFileName().toString()).matches()));
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    /**
     * Deletes the lock file while still holding the lock (a run waiting on the old file then sees that it is
     * gone, see {@link #lock}), releases the lock, and removes the directory again if this run created it
     * and wrote nothing (a run refused after the claim leaves no trace).
     */
    @Override
    public void close() {
        try {
            Files.deleteIfExists(dir.resolve(LOCK));
        } catch (IOException ignored) {
            // A lock file left behind is harmless: the next run locks it.
        }
        releaseQuietly(lock);
        closeQuietly(channel);
        HELD_HERE.remove(key);
        if (created) {
            try {
                Files.delete(dir); // only succeeds if empty
            } catch (IOException ignored) {
                // Not empty: this run wrote its outputs there.
            }
        }
    }

    private static void closeQuietly(FileChannel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Nothing was written through it.
        }
    }

    /** "Operation not permitted" rather than the exception's name and path again. */
    static String reason(FileSystemException e) {
        return e.getReason() != null ? e.getReason() : e.getClass().getSimpleName().replace("Exception", "").replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase();
    }
}
