package flowscale.runtime.cli;

import flowscale.runtime.data.Vocabulary;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the command-line tests share: running a command line with its output captured, and the tiny
 * random-weight DiT checkpoint the end-to-end tests generate with (bench's harness test too, through
 * runtime's test-jar).
 */
public final class CliFixture {
    private CliFixture() {}

    /** One run's exit code and what it printed. */
    public record Run(int code, String out, String err) {
        /** stderr, which must be exactly one line. */
        public String errLine() {
            String[] lines = err.strip().split("\\R");
            assertEquals(1, lines.length, "stderr must be one line: " + err);
            return lines[0];
        }
    }

    /** A bad-usage failure: exit code 2 and one line on stderr containing {@code fragment}. */
    public static void assertUsage(Run r, String fragment) {
        assertEquals(2, r.code(), r.err() + r.out());
        assertTrue(r.err().contains(fragment), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
    }

    /** {@code png} is a readable image of {@code w x h} pixels. */
    public static void assertImage(Path png, int w, int h) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png + " unreadable");
        assertEquals(w, img.getWidth());
        assertEquals(h, img.getHeight());
    }

    /** Runs {@code flowscale ARGS}. */
    public static Run run(String... args) {
        return run(Main.commandLine(), args);
    }

    /** Runs {@code cl} (configured by the caller, e.g. another tool's command line) with captured output. */
    public static Run run(CommandLine cl, String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    /**
     * Writes {@code dir/tiny.safetensors}: a one-block, 16-wide DiT for 32x32 images with random weights from
     * {@code seed}, small enough that a search over it takes a moment.
     */
    public static Path tinyDiT(Path dir, long seed) {
        DiTConfig config = new DiTConfig(32, 3, 4, 16, 1, 2, 2.0, 256, Vocabulary.MAX_GROUPS, Vocabulary.MAX_COUNT,
                Vocabulary.COLOURS, Vocabulary.SHAPES, Map.of("note", "random weights for tests"));
        Path checkpoint = dir.resolve("tiny.safetensors");
        DiTCheckpoints.random(config, seed, checkpoint);
        return checkpoint;
    }
}
