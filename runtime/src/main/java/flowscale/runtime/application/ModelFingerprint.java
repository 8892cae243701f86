package flowscale.runtime.application;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Which model file a trace came from: its size and, for files small enough to hash in a moment, its SHA-256
 * (a path alone does not say whether the file was retrained since). {@code sha256} is null for large files.
 */
public record ModelFingerprint(long bytes, String sha256) {
    /** Files up to this size are hashed (the shipped model is 7.3 MiB; hashing 256 MiB takes about a second). */
    public static final long MAX_HASHED = 256L << 20;

    /** The fingerprint of a model file, or null for a spec that is not a readable file (a toy). */
    public static ModelFingerprint of(String spec) {
        if (spec.regionMatches(true, 0, "toy:", 0, 4)) return null;
        Path file = Path.of(spec);
        try {
            if (!Files.isRegularFile(file)) return null;
            long size = Files.size(file);
            return new ModelFingerprint(size, size <= MAX_HASHED ? sha256(file) : null);
        } catch (IOException e) {
            return null;
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            return null;
        }
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
