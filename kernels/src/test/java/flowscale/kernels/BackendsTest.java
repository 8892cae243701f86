package flowscale.kernels;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackendsTest {

    @Test
    void referenceIsAlwaysAvailable() {
        assertTrue(Backends.available().contains("reference"));
        try (Backend b = Backends.create("reference")) {
            assertEquals("reference", b.name());
            assertEquals(1, b.threads());
        }
        try (Backend b = Backends.create("  reference ")) {
            assertEquals("reference", b.name());
        }
    }

    @Test
    void unknownSpecListsWhatIsAvailable() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("nope"));
        assertTrue(e.getMessage().startsWith("unknown backend 'nope'; available: reference"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertThrows(IllegalArgumentException.class, () -> Backends.create(""));
        assertThrows(IllegalArgumentException.class, () -> Backends.create(null));
        assertThrows(IllegalArgumentException.class, () -> Backends.create("reference:2"));
    }

    @Test
    void cpuIsCreatedWhenPresentAndExplainedWhenNot() {
        if (Backends.available().contains("cpu")) {
            try (Backend b = Backends.create("cpu:2")) {
                assertEquals(2, b.threads());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("cpu:zero"));
            assertTrue(e.getMessage().contains("'zero' is not a positive integer"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Backends.create("cpu:0"));
            assertThrows(IllegalArgumentException.class, () -> Backends.create("cpu:1:2"));
        } else {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("cpu"));
            assertTrue(e.getMessage().contains("not available in this build") || e.getMessage().contains("Vector API"),
                    e.getMessage());
        }
    }

    @Test
    void providersComeFromTheServiceEntriesInTheirListedOrder() {
        assertEquals(List.of("reference", "cpu", "opencl"),
                Backends.load(Backends.class.getClassLoader()).stream().map(BackendProvider::name).toList());
    }

    @Test
    void aListedProviderMissingFromTheBuildIsLeftOut(@TempDir Path dir) throws IOException {
        Path services = Files.createDirectories(dir.resolve("META-INF/services"));
        Files.writeString(services.resolve(BackendProvider.class.getName()),
                "flowscale.kernels.NoSuchProvider\n" + StubProvider.class.getName() + "\n");
        try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, Backends.class.getClassLoader())) {
            List<String> names = Backends.load(loader).stream().map(BackendProvider::name).toList();
            // The build's own three, then the extra file's stub: the missing class before it is skipped, not fatal.
            assertEquals(List.of("reference", "cpu", "opencl", "stub"), names);
        }
    }
}
