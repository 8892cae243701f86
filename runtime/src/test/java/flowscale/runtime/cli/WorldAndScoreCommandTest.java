package flowscale.runtime.cli;

import flowscale.runtime.data.Images;
import flowscale.runtime.data.Scene;
import flowscale.runtime.data.ShapesWorld;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

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

    @RegisterExtension
    final StdStreams std = new StdStreams();

    @Test
    void worldWritesImagesPromptsAndGrid() throws Exception {
        Path o = dir.resolve("w");
        assertEquals(0, Main.execute("world", "--seed", "3", "--count", "5", "--out", o.toString(), "--upscale", "2"), std.err());
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
        assertTrue(std.out().contains("wrote 5 images"));
    }

    @Test
    void scorePrintsDetectionsCountsAndRewards() throws Exception {
        Path o = dir.resolve("w");
        assertEquals(0, Main.execute("world", "--seed", "3", "--count", "2", "--out", o.toString()));
        String prompt = Files.readAllLines(o.resolve("prompts.txt")).get(0).split("\t")[1];
        std.resetOut();
        assertEquals(0, Main.execute("score", "--prompt", prompt, o.resolve("0000.png").toString(), o.resolve("0001.png").toString()), std.err());
        String text = std.out();
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
        std.resetErr();
        assertEquals(2, Main.execute("score", "--prompt", "five cats", img));
        assertTrue(std.err().startsWith("error: cannot parse \"five cats\": count 5 is outside 1-4; expected"), std.err());
        assertEquals(1, std.err().strip().lines().count());

        std.resetErr();
        assertEquals(2, Main.execute("score", "--prompt", "1 red circle", o.resolve("grid.png").toString()));
        assertTrue(std.err().startsWith("error: image ") && std.err().contains("expected 32x32"), std.err());

        std.resetErr();
        assertEquals(2, Main.execute("score", "--prompt", "1 red circle", o.resolve("missing.png").toString()));
        assertTrue(std.err().contains("no such file"), std.err());

        std.resetErr();
        assertEquals(2, Main.execute("world", "--count", "0", "--out", o.toString()));
        assertEquals("error: --count 0 is outside 1-100000", std.err().strip());

        std.resetErr();
        assertEquals(2, Main.execute("world", "--out", img));
        assertTrue(std.err().contains("exists and is not a directory"), std.err());
        assertFalse(std.err().contains("Exception"), std.err());
    }
}
