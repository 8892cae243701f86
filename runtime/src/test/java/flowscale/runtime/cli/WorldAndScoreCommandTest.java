package flowscale.runtime.cli;

import flowscale.runtime.data.Images;
import flowscale.runtime.data.Scene;
import flowscale.runtime.data.ShapesWorld;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorldAndScoreCommandTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldOut;
    private PrintStream oldErr;

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

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void worldWritesImagesPromptsAndGrid() throws Exception {
        Path o = dir.resolve("w");
        assertEquals(0, Main.execute("world", "--seed", "3", "--count", "5", "--out", o.toString(), "--upscale", "2"), err());
        for (int i = 0; i < 5; i++) {
            assertTrue(Files.exists(o.resolve(String.format("%04d.png", i))));
            assertTrue(Files.exists(o.resolve(String.format("%04d_x2.png", i))));
        }
        assertTrue(Files.exists(o.resolve("grid.png")));
        List<String> lines = Files.readAllLines(o.resolve("prompts.txt"));
        assertEquals(5, lines.size());
        Scene s0 = new ShapesWorld().scene(3, 0);
        assertEquals("0000.png\t" + s0.text(), lines.get(0));
        float[] back = Images.readPng(o.resolve("0000.png"));
        Path again = dir.resolve("again.png");
        Images.write(again, s0.image(), 32, 32);
        assertArrayEquals(Images.readPng(again), back);
        assertTrue(out().contains("wrote 5 images"));
    }

    @Test
    void scorePrintsDetectionsCountsAndRewards() throws Exception {
        Path o = dir.resolve("w");
        assertEquals(0, Main.execute("world", "--seed", "3", "--count", "2", "--out", o.toString()));
        String prompt = Files.readAllLines(o.resolve("prompts.txt")).get(0).split("\t")[1];
        out.reset();
        assertEquals(0, Main.execute("score", "--prompt", prompt, o.resolve("0000.png").toString(), o.resolve("0001.png").toString()), err());
        String text = out();
        assertTrue(text.startsWith("prompt: " + prompt + "\n"), text);
        assertTrue(text.contains("0000.png:\n  detections:\n    "), text);
        assertTrue(text.contains("  counting 0  composition 1.000  heldout 1.000  validshapes 1.000\n"), text);
        assertTrue(text.contains("0001.png:"), text);
        assertTrue(text.contains("  counts: "), text);
    }

    @Test
    void badInputExitsWithTwoAndOneLine() throws Exception {
        Path o = dir.resolve("w");
        assertEquals(0, Main.execute("world", "--count", "1", "--out", o.toString()));
        String img = o.resolve("0000.png").toString();
        err.reset();
        assertEquals(2, Main.execute("score", "--prompt", "five cats", img));
        assertTrue(err().startsWith("error: cannot parse \"five cats\": count 5 is outside 1-4; expected"), err());
        assertEquals(1, err().strip().lines().count());

        err.reset();
        assertEquals(2, Main.execute("score", "--prompt", "1 red circle", o.resolve("grid.png").toString()));
        assertTrue(err().startsWith("error: image ") && err().contains("expected 32x32"), err());

        err.reset();
        assertEquals(2, Main.execute("score", "--prompt", "1 red circle", o.resolve("missing.png").toString()));
        assertTrue(err().contains("no such file"), err());

        err.reset();
        assertEquals(2, Main.execute("world", "--count", "0", "--out", o.toString()));
        assertEquals("error: --count 0 is outside 1-100000", err().strip());

        err.reset();
        assertEquals(2, Main.execute("world", "--out", img));
        assertTrue(err().contains("exists and is not a directory"), err());
        assertFalse(err().contains("Exception"), err());
    }
}
