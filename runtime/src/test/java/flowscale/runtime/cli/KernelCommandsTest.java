package flowscale.runtime.cli;

import flowscale.runtime.cli.CliFixture.Run;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code info} and {@code conformance} commands through the real command line. */
class KernelCommandsTest {

    @Test
    void infoListsTheEnvironment() {
        Run r = run("info");
        assertEquals(0, r.code(), r.err());
        for (String key : new String[] {"java", "os", "processors", "max heap", "backends", "vector api", "cpu threads"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(key + " ")), "no '" + key + "' row in\n" + r.out());
        }
        assertTrue(r.out().contains(Runtime.version().feature() + ""), r.out());
        assertTrue(r.out().contains("reference"), r.out());
        // Tests run with --add-modules jdk.incubator.vector, so the species is known.
        assertTrue(r.out().contains("SPECIES_PREFERRED"), r.out());
    }

    /** A JVM started without jdk.incubator.vector: info still works and says how to fix it, in one line. */
    @Test
    void infoWithoutTheVectorApiGivesTheRemedy() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "info").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "info did not finish");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("vector api") && l.contains("--add-modules jdk.incubator.vector")), out);
        assertFalse(out.contains("Exception"), out);
    }

    @Test
    void conformanceOfTheReferencePasses() {
        Run r = run("conformance", "--backend", "reference", "--quick", "--seed", "3");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("backend reference (1 thread), seed 3, quick"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("gemm ") && l.endsWith("ok")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("normal ") && l.endsWith("ok")), r.out());
        assertFalse(r.out().contains("FAIL"), r.out());
        int n = flowscale.kernels.conformance.Conformance.ops().size();
        assertTrue(r.out().contains("reference: " + n + " of " + n + " ops ok"), r.out());
    }

    @Test
    void unknownBackendIsAUsageError() {
        Run r = run("conformance", "--backend", "nope");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("error: unknown backend 'nope'; available: reference"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void badSeedIsAUsageError() {
        Run r = run("conformance", "--seed", "x");
        assertEquals(2, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
