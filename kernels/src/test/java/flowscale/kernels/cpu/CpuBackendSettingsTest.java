package flowscale.kernels.cpu;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Names, thread counts and the system properties that configure the cpu backend. */
class CpuBackendSettingsTest {
    @Test
    void namesAndThreadsFollowTheConstructorAndTheRegistry() {
        try (CpuBackend one = new CpuBackend(1); Backend three = Backends.create("cpu:3")) {
            assertEquals("cpu:1", one.name());
            assertEquals(1, one.threads());
            assertEquals("cpu:3", three.name());
            assertEquals(3, three.threads());
            assertTrue(Thread.getAllStackTraces().keySet().stream()
                    .anyMatch(t -> t.isDaemon() && t.getName().startsWith("flowscale-cpu-")));
        }
        assertThrows(IllegalArgumentException.class, () -> new CpuBackend(0));
    }

    @Test
    void speciesIsOneOfTheSupportedShapes() {
        try (CpuBackend be = new CpuBackend(1)) {
            int bits = be.species().vectorBitSize();
            assertTrue(bits == 128 || bits == 256 || bits == 512, "species of " + bits + " bits");
        }
    }

    @Test
    void badPropertiesGiveOneLineErrors() {
        withProperty("flowscale.threads", "many", () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, CpuBackend::new);
            assertTrue(e.getMessage().contains("flowscale.threads"), e.getMessage());
        });
        withProperty("flowscale.threads", "2", () -> {
            try (CpuBackend be = new CpuBackend()) {
                assertEquals(2, be.threads());
                assertEquals("cpu", be.name());
            }
        });
        withProperty("flowscale.vector.bits", "300", () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CpuBackend(1));
            assertTrue(e.getMessage().contains("128, 256 or 512"), e.getMessage());
        });
    }

    private static void withProperty(String key, String value, Runnable body) {
        String old = System.getProperty(key);
        System.setProperty(key, value);
        try {
            body.run();
        } finally {
            if (old == null) System.clearProperty(key);
            else System.setProperty(key, old);
        }
    }
}
