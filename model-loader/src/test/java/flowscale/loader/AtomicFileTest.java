package flowscale.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AtomicFileTest {

    @Test
    void writesReplacesAndLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("out.txt");
        AtomicFile.writeString(file, "first");
        AtomicFile.write(file, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
        AtomicFile.write(file, out -> out.write(new byte[] {4, 5}));
        assertArrayEquals(new byte[] {4, 5}, Files.readAllBytes(file));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void outputsGetTheUsualPermissionsNotOwnerOnly(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("image.png");
        AtomicFile.write(file, new byte[] {1});
        // What any newly created file gets here (0666 minus the umask), unlike createTempFile's 0600.
        Path plain = Files.createFile(dir.resolve("plain"));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(file));
        assertTrue(Files.getPosixFilePermissions(file).contains(PosixFilePermission.OWNER_READ));
    }

    @Test
    void aFailedWriteKeepsTheOldFileAndCleansUp(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("report.html");
        AtomicFile.writeString(file, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(file, out -> {
            out.write(new byte[] {1, 2});
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(file));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void aMissingDirectoryIsNamed(@TempDir Path dir) {
        Path missing = dir.resolve("no/such");
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> AtomicFile.writeString(missing.resolve("x"), "x"));
        assertEquals(missing.toString(), e.getFile());
    }
}
