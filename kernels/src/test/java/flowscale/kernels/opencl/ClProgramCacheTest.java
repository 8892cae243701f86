package flowscale.kernels.opencl;

import flowscale.kernels.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The second start loads the compiled program from disk; a damaged entry is rebuilt from source. */
class ClProgramCacheTest {

    @Test
    void secondStartLoadsTheBinaryAndABadEntryIsRebuilt(@TempDir Path dir) throws IOException {
        assertTrue(ClDevices.available(), "no OpenCL device found; these tests need one (Debian: apt-get install pocl-opencl-icd ocl-icd-opencl-dev)");
        ClDevice device = ClDevices.select("opencl");

        try (OpenClBackend first = new OpenClBackend(device, dir)) {
            assertFalse(first.programFromCache());
            assertWorks(first);
        }
        List<Path> entries = entries(dir);
        assertEquals(1, entries.size(), entries.toString());
        Path entry = entries.getFirst();
        assertTrue(entry.getFileName().toString().endsWith(".bin"));
        assertTrue(Files.size(entry) > 0);

        try (OpenClBackend second = new OpenClBackend(device, dir)) {
            assertTrue(second.programFromCache());
            assertWorks(second);
        }

        Files.write(entry, new byte[] {1, 2, 3, 4, 5});
        try (OpenClBackend third = new OpenClBackend(device, dir)) {
            assertFalse(third.programFromCache());
            assertWorks(third);
        }
        assertTrue(Files.size(entry) > 5, "the damaged entry is replaced by a good one");
        assertEquals(1, entries(dir).size(), "no temporary files are left behind");
    }

    private static void assertWorks(OpenClBackend b) {
        Tensor x = b.upload(new float[] {1, 2, 3, 4, 5}, 5);
        Tensor y = b.upload(new float[] {5, 4, 3, 2, 1}, 5);
        b.axpby(2f, x, -1f, y, x);
        float[] out = new float[5];
        b.download(x, out, 0);
        assertArrayEquals(new float[] {-3, 0, 3, 6, 9}, out);
    }

    private static List<Path> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }
}
