package flowscale.runtime.cli;

import flowscale.runtime.cli.CliFixture.Run;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.runtime.search.SearchMethods;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code generate --search-opt}: its help, its errors and the trace's settings all come from the methods' settings records. */
class GenerateSearchOptionsTest {


    @Test
    void helpListsEveryMethodsKeysWithTheirDefaults() {
        Run r = run("generate", "--help");
        assertEquals(0, r.code(), r.err());
        String help = r.out();
        for (String method : SearchMethods.names()) {
            assertTrue(help.contains(method + " ("), "help lacks " + method + ":\n" + help);
            for (String pair : SearchMethods.settings(method).defaultsLine().split(" ")) {
                assertTrue(help.contains(pair), "help lacks " + method + " " + pair + ":\n" + help);
            }
        }
        int searchOpt = help.lastIndexOf("--search-opt="), rbfVariant = help.lastIndexOf("--rbf-variant="), out = help.lastIndexOf("--out=");
        assertTrue(searchOpt < rbfVariant && rbfVariant < out, "options keep their order:\n" + help);
    }

    @Test
    void anUnknownKeyOrABadValueIsOneLineAndExit2(@TempDir Path dir) {
        String[][] bad = {
            {"--method", "sop", "--search-opt", "l=2"},
            {"--method", "code", "--search-opt", "k=two"},
            {"--method", "smc", "--search-opt", "ess-threshold=2"},
            {"--method", "rbf", "--search-opt", "variant=fast"},
            {"--method", "smc", "--search-opt", "lambda=1", "--search-opt", "beta=0.1"},
        };
        String[] says = {
            "error: unknown search option 'l' for sop; valid keys: n, k, ode-steps, forward, backward, seed-t",
            "error: search option k=two for code: must be an integer >= 1",
            "error: search option ess-threshold=2 for smc: must be a number in [0, 1]",
            "error: search option variant=fast for rbf: must be one of code, paper",
            "error: give either lambda or beta for smc (the same setting), not both",
        };
        for (int i = 0; i < bad.length; i++) {
            String[] args = new String[bad[i].length + 5];
            System.arraycopy(new String[] {"generate", "--model", "toy:gmm", "--out", dir.resolve("o" + i).toString()}, 0, args, 0, 5);
            System.arraycopy(bad[i], 0, args, 5, bad[i].length);
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.err());
            assertEquals(says[i], r.err().strip());
            assertFalse(Files.exists(dir.resolve("o" + i)), "nothing written");
        }
    }

    @Test
    void traceJsonRecordsTheEffectiveSettings(@TempDir Path dir) throws Exception {
        Run r = run("generate", "--model", "toy:gmm", "--method", "sop", "--search-opt", "k=3", "--search-opt", "seed-t=300",
                "--out", dir.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode s = new ObjectMapper().readTree(dir.resolve("trace.json").toFile()).get("settings");
        assertEquals(2, s.get("n").asInt());
        assertEquals(3, s.get("k").asInt());
        assertEquals(4, s.get("ode-steps").asInt());
        assertEquals(780.0, s.get("forward").asDouble());
        assertEquals(810.0, s.get("backward").asDouble());
        assertEquals(300.0, s.get("seed-t").asDouble());
        assertEquals(6, s.size());

        Path bon = dir.resolve("bon");
        assertEquals(0, run("generate", "--model", "toy:gmm", "--method", "bon", "--budget", "300", "--out", bon.toString()).code());
        JsonNode b = new ObjectMapper().readTree(bon.resolve("trace.json").toFile()).get("settings");
        assertEquals(30, b.get("n").asInt(), "budget/M resolved: 300 / 10");
    }
}
