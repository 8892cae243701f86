package flowscale.runtime.data;

import flowscale.runtime.UserError;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImagesTest {
    @TempDir
    Path dir;

    @Test
    void pngRoundTripIsWithinHalfALevel() throws Exception {
        float[] img = new ShapesWorld().scene(3, 0).image();
        Path p = dir.resolve("a.png");
        Images.write(p, img, 32, 32);
        float[] back = Images.readPng(p);
        for (int i = 0; i < img.length; i++) assertEquals(img[i], back[i], 1.0 / 255 + 1e-6);
        Images.write(p, back, 32, 32); // 8-bit levels survive exactly
        assertArrayEquals(back, Images.readPng(p));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temp files left behind");
        }
    }

    @Test
    void valuesAreClampedAndChannelMajor() {
        float[] img = new float[3 * 2 * 3];
        img[0] = 5f;          // red of (0, 0): clamped to 255
        img[6 + 1] = -3f;     // green of (1, 0): clamped to 0
        img[12 + 5] = Float.NaN; // blue of (2, 1): NaN becomes 0
        BufferedImage bi = Images.toBufferedImage(img, 2, 3);
        assertEquals(255, (bi.getRGB(0, 0) >> 16) & 0xFF);
        assertEquals(0, (bi.getRGB(1, 0) >> 8) & 0xFF);
        assertEquals(0, bi.getRGB(2, 1) & 0xFF);
        assertEquals(128, bi.getRGB(2, 0) & 0xFF); // 0.0 is mid grey
    }

    @Test
    void argbImagesAreRead() throws Exception {
        BufferedImage bi = new BufferedImage(32, 32, BufferedImage.TYPE_INT_ARGB);
        bi.setRGB(3, 4, 0x80FF0000);
        Path p = dir.resolve("argb.png");
        ImageIO.write(bi, "png", p.toFile());
        float[] img = Images.readPng(p);
        assertEquals(1f, img[4 * 32 + 3]);
        assertEquals(-1f, img[1024 + 4 * 32 + 3]);
    }

    @Test
    void badFilesGiveOneLineErrors() throws Exception {
        Path small = dir.resolve("small.png");
        Images.write(small, new float[3 * 16 * 16], 16, 16);
        assertEquals("image " + small + " is 16x16, expected 32x32", assertThrows(UserError.class, () -> Images.readPng(small)).getMessage());
        Path text = dir.resolve("text.png");
        Files.writeString(text, "not an image");
        assertEquals("cannot read image " + text + ": not a PNG or other readable image",
                assertThrows(UserError.class, () -> Images.readPng(text)).getMessage());
        Path missing = dir.resolve("missing.png");
        assertEquals("cannot read image " + missing + ": no such file", assertThrows(UserError.class, () -> Images.readPng(missing)).getMessage());
    }

    @Test
    void upscaleRepeatsPixels() {
        float[] img = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}; // 3 channels of 2x2
        float[] up = Images.upscale(img, 2, 2, 2);
        assertEquals(48, up.length);
        assertArrayEquals(new float[] {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, java.util.Arrays.copyOfRange(up, 0, 16));
        assertEquals(12f, up[47]);
    }

    @Test
    void gridHasATileAndCaptionPerImage() {
        List<float[]> tiles = List.of(new float[3 * 32 * 32], new float[3 * 32 * 32], new float[3 * 32 * 32]);
        BufferedImage g = GridImage.render(tiles, List.of("a", "b", "2 red circles and 1 blue square and 4 yellow triangles"), 32, 32, 4, 2);
        assertTrue(g.getWidth() >= 2 * 128 && g.getWidth() < 3 * 128, "two columns");
        assertTrue(g.getHeight() >= 2 * 128 + 2 * GridImage.CAPTION_LINES * 10, "two rows with captions");
        assertThrows(IllegalArgumentException.class, () -> GridImage.render(tiles, List.of("a"), 32, 32, 4, 2));
    }
}
