package flowscale.runtime.cli;

import flowscale.runtime.cli.CliFixture.Run;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code flowscale decode} on the tiny VAE fixture (resources/vae/README.md): outputs, conversion, and bad input. */
class DecodeCommandTest {



    private static Path resource(String name) {
        try {
            return Path.of(DecodeCommandTest.class.getResource("/vae/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static float[] golden(String name) {
        try (SafetensorsFile f = SafetensorsFile.open(resource("vae-tiny-golden.safetensors"))) {
            return f.toFloatArray(name);
        }
    }

    /** The golden's latents [2, 4, 8, 12] as a latents file (optionally only the first item). */
    private static Path latents(Path dir, boolean firstOnly) {
        float[] z = golden("in.z");
        long[] shape = {2, 4, 8, 12};
        if (firstOnly) {
            z = Arrays.copyOf(z, z.length / 2);
            shape[0] = 1;
        }
        Path p = dir.resolve(firstOnly ? "z1.safetensors" : "z.safetensors");
        new SafetensorsWriter().addF32("z", shape, z).write(p);
        return p;
    }

    @Test
    void safetensorsTargetHoldsTheRawImageOfBflDecode(@TempDir Path dir) {
        Path out = dir.resolve("image.safetensors");
        Run r = run("decode", "--vae", resource("vae-tiny-bfl.safetensors").toString(), "--latents", latents(dir, false).toString(),
                "--out", out.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        float[] expected = golden("out.image");
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertArrayEquals(new long[] {2, 3, 16, 24}, f.tensor("image").shape());
            float[] actual = f.toFloatArray("image");
            double scale = 0, worst = 0;
            for (int i = 0; i < expected.length; i++) {
                scale = Math.max(scale, Math.abs(expected[i]));
                worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
            }
            // the tolerance of VaeGoldenTest: float32 error of the decoder, relative to the output's scale
            assertTrue(worst <= 1e-5 * scale, "max error " + worst + " at scale " + scale);
            // BFL's image reaches 4.06 here: the raw output must keep what the PNG conversion clamps
            assertTrue(scale > 1.0 && Math.abs(scale - maxAbs(actual)) <= 1e-5 * scale, "the raw output must not be clamped");
        }
        assertNoTemporaryFiles(dir);
    }

    @Test
    void pngTargetConvertsLikeBfl(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("one.png");
        Run r = run("decode", "--vae", resource("vae-tiny-diffusers").toString(), "--latents", latents(dir, true).toString(),
                "--out", out.toString(), "--backend", "reference");
        assertEquals(0, r.code(), r.err());
        BufferedImage img = ImageIO.read(out.toFile());
        assertEquals(24, img.getWidth());
        assertEquals(16, img.getHeight());
        float[] expected = golden("out.image");
        int plane = 16 * 24, offByOne = 0;
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 24; x++) {
                int rgb = img.getRGB(x, y);
                int[] got = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                for (int c = 0; c < 3; c++) {
                    int want = DecodeCommand.toByte(expected[c * plane + y * 24 + x]);
                    int d = Math.abs(got[c] - want);
                    // our float32 image differs from BFL's by ~1e-6, which moves a value across an integer
                    // boundary of 127.5 (x + 1) only rarely, and then by one step
                    assertTrue(d <= 1, "pixel (" + x + ", " + y + ") channel " + c + ": " + got[c] + " vs " + want);
                    if (d == 1) offByOne++;
                }
            }
        }
        assertTrue(offByOne <= 3, offByOne + " channel values off by one");
        assertNoTemporaryFiles(dir);
    }

    @Test
    void conversionClampsAndTruncatesAsBfl() {
        assertEquals(0, DecodeCommand.toByte(-3f));
        assertEquals(255, DecodeCommand.toByte(1f));
        assertEquals(255, DecodeCommand.toByte(7f));
        assertEquals(127, DecodeCommand.toByte(0f)); // 127.5 truncated, as torch's byte() does
        assertEquals(0, DecodeCommand.toByte(Float.NaN));
    }

    @Test
    void directoryTargetGetsOnePngPerItem(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("images");
        Run r = run("decode", "--vae", resource("vae-tiny-bfl.safetensors").toString(), "--latents", latents(dir, false).toString(),
                "--out", out.toString(), "--backend", "cpu");
        assertEquals(0, r.code(), r.err());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("image-0.png", "image-1.png"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void latentsWithoutZAreRefused(@TempDir Path dir) {
        Path bad = dir.resolve("bad.safetensors");
        new SafetensorsWriter().addF32("latents", new long[] {1, 4, 8, 12}, new float[384]).write(bad);
        Run r = run("decode", "--vae", resource("vae-tiny-bfl.safetensors").toString(), "--latents", bad.toString(),
                "--out", dir.resolve("o.png").toString());
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("has no tensor 'z'"), r.err());
    }

    @Test
    void wrongChannelCountIsRefused(@TempDir Path dir) {
        Path bad = dir.resolve("z16.safetensors");
        new SafetensorsWriter().addF32("z", new long[] {1, 16, 8, 12}, new float[16 * 96]).write(bad);
        Run r = run("decode", "--vae", resource("vae-tiny-bfl.safetensors").toString(), "--latents", bad.toString(),
                "--out", dir.resolve("o.png").toString());
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("have 16 channels") && r.errLine().contains("decodes 4"), r.err());
    }

    @Test
    void latentsThatAreNotSafetensorsAreRefused(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("z.safetensors");
        Files.writeString(bad, "this is not a safetensors file at all");
        Run r = run("decode", "--vae", resource("vae-tiny-bfl.safetensors").toString(), "--latents", bad.toString(),
                "--out", dir.resolve("o.png").toString());
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains(bad.toString()), r.err());
    }

    @Test
    void checkpointOfAnotherArchitectureIsRefused(@TempDir Path dir) {
        Path flux = dir.resolve("flux.safetensors");
        new SafetensorsWriter().addF32("double_blocks.0.img_attn.qkv.weight", new long[] {2, 2}, new float[4]).write(flux);
        Run r = run("decode", "--vae", flux.toString(), "--latents", latents(dir, true).toString(),
                "--out", dir.resolve("o.png").toString());
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("is a FLUX transformer, not a VAE decoder"), r.err());
    }

    @Test
    void vaeThatIsNotSafetensorsIsRefused(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("ae.safetensors");
        Files.write(bad, new byte[] {1, 2, 3});
        Run r = run("decode", "--vae", bad.toString(), "--latents", latents(dir, true).toString(),
                "--out", dir.resolve("o.png").toString());
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains(bad.toString()), r.err());
    }

    private static void assertNoTemporaryFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            List<String> temps = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".tmp") || n.startsWith(".")).toList();
            assertEquals(List.of(), temps);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) m = Math.max(m, Math.abs(v));
        return m;
    }
}
