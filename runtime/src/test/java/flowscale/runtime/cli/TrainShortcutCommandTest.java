package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@code train --shortcut --init FILE}: the flags reach the config, and a bad initial checkpoint fails in one line. */
class TrainShortcutCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut, oldErr;

    @BeforeEach
    void capture() {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    @Test
    void theFlagsSetTheConfig() throws Exception {
        assertEquals(0, Main.execute("train", "--shortcut", "--init", "base.safetensors", "--print-config"));
        Map<?, ?> json = new ObjectMapper().readValue(out.toString(StandardCharsets.UTF_8), Map.class);
        assertEquals(true, json.get("shortcut"));
        assertEquals("base.safetensors", json.get("init"));
    }

    @Test
    void aBadInitialCheckpointFailsInOneLine() throws Exception {
        Path notSafetensors = dir.resolve("junk.safetensors");
        Files.writeString(notSafetensors, "not a checkpoint");
        for (Path init : new Path[] {dir.resolve("missing.safetensors"), notSafetensors}) {
            err.reset();
            assertEquals(2, Main.execute("train", "--shortcut", "--init", init.toString(), "--steps", "1",
                    "--out", dir.resolve("o").toString()), err.toString(StandardCharsets.UTF_8));
            String e = err.toString(StandardCharsets.UTF_8).strip();
            assertEquals(1, e.lines().filter(l -> !l.startsWith("train:")).count(), e);
            assertFalse(e.contains("Exception"), e);
        }
    }
}
