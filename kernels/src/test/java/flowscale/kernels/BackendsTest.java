package flowscale.kernels;

import org.junit.jupiter.api.Test;

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
}
