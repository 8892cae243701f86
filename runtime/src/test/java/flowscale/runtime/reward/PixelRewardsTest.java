package flowscale.runtime.reward;

import flowscale.runtime.UserError;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PixelRewardsTest {
    private static final int H = 48, W = 64;

    /** Every value {@code v} (in [-1, 1]). */
    private static float[] flat(float r, float g, float b) {
        float[] img = new float[3 * H * W];
        int plane = H * W;
        for (int i = 0; i < plane; i++) {
            img[i] = r;
            img[plane + i] = g;
            img[2 * plane + i] = b;
        }
        return img;
    }

    /** Uniform noise over [-1, 1], seeded. */
    private static float[] noise(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] img = new float[3 * H * W];
        for (int i = 0; i < img.length; i++) img[i] = (float) (2 * rng.nextDouble() - 1);
        return img;
    }

    /** The [-1, 1] value of an 8-bit level, exact enough that {@code Images.toByte} gives the level back. */
    private static float level(int l) {
        return (float) (l / 127.5 - 1);
    }

    @Test
    void jpegSizeIsDeterministicAndInKilobytes() {
        float[] img = noise(7);
        double first = new JpegIncompressibility().score(img, H, W);
        for (int i = 0; i < 3; i++) assertEquals(first, new JpegIncompressibility().score(img.clone(), H, W));
        assertEquals(JpegSize.bytes(img, H, W) / 1000.0, first);
        assertEquals(-first, new JpegCompressibility().score(img, H, W));
    }

    @Test
    void flatImageIsMoreCompressibleThanNoise() {
        float[] flat = flat(0.2f, -0.3f, 0.5f);
        float[] noisy = noise(3);
        PixelReward c = PixelRewards.named("jpeg-compressibility");
        PixelReward ic = PixelRewards.named("jpeg-incompressibility");
        assertTrue(c.score(flat, H, W) > c.score(noisy, H, W));
        assertTrue(ic.score(noisy, H, W) > ic.score(flat, H, W));
        // Seen with this JDK: 4.186 kB for the noise, 0.675 kB for the flat image (almost all of it the ~600 bytes of
        // quantisation and Huffman tables). A margin of 3x keeps the ordering far from any encoder detail.
        assertTrue(ic.score(noisy, H, W) > 3 * ic.score(flat, H, W));
    }

    @Test
    void jpegIsBaselineWithDdposSubsampling() {
        // The determinism the javadoc claims rests on this form: baseline (SOF0), luma sampled 2x2 (4:2:0 chroma).
        float[] img = noise(5);
        byte[] jpeg = JpegSize.encode(img, H, W);
        assertEquals(jpeg.length, JpegSize.bytes(img, H, W));
        int sof = -1;
        for (int i = 0; i + 1 < jpeg.length; i++) {
            if ((jpeg[i] & 0xFF) == 0xFF && (jpeg[i + 1] & 0xFF) == 0xC0) {
                sof = i;
                break;
            }
        }
        assertTrue(sof > 0, "no SOF0 marker");
        assertEquals(3, jpeg[sof + 9]); // components
        assertEquals(0x22, jpeg[sof + 11] & 0xFF); // Y: 2x2
        assertEquals(0x11, jpeg[sof + 14] & 0xFF); // Cb: 1x1
        assertEquals(0x11, jpeg[sof + 17] & 0xFF); // Cr: 1x1
    }

    @Test
    void colourfulnessOfTwoPixelsByHand() {
        // One pure red and one pure blue pixel. rg = (255, 0): mean 127.5, sd 127.5. yb = (127.5, -255): mean -63.75,
        // sd 191.25. M = sqrt(127.5^2 + 191.25^2) + 0.3 sqrt(127.5^2 + 63.75^2)
        //   = 127.5 (sqrt(1 + 1.5^2) + 0.3 sqrt(1 + 0.5^2)) = 127.5 (1.802776 + 0.335410) = 272.6187.
        float[] img = {level(255), level(0), level(0), level(0), level(0), level(255)};
        double expected = 127.5 * (Math.sqrt(3.25) + 0.3 * Math.sqrt(1.25));
        assertEquals(expected, new Colourfulness().score(img, 1, 2), 1e-12);
        assertEquals(272.6187, expected, 1e-4);
    }

    @Test
    void colourfulnessOfAThreeByOneImageByHand() {
        // (R, G, B) = (200, 100, 50), (50, 50, 50), (0, 120, 240).
        // rg = 100, 0, -120: mean -20/3; deviations 320/3, 20/3, -340/3; variance (102400 + 400 + 115600) / 27 = 8088.89.
        // yb = 100, 0, -180: mean -80/3; deviations 380/3, 80/3, -460/3; variance (144400 + 6400 + 211600) / 27 = 13422.22.
        // M = sqrt(8088.89 + 13422.22) + 0.3 sqrt((20/3)^2 + (80/3)^2) = 146.6667 + 0.3 * 27.4874 = 154.9129.
        float[] img = {level(200), level(50), level(0), level(100), level(50), level(120), level(50), level(50), level(240)};
        double expected = Math.sqrt((102400 + 400 + 115600 + 144400 + 6400 + 211600) / 27.0)
                + 0.3 * Math.sqrt(400 / 9.0 + 6400 / 9.0);
        assertEquals(154.9129, expected, 1e-4);
        assertEquals(expected, new Colourfulness().score(img, 1, 3), 1e-12);
    }

    @Test
    void greyImagesHaveNoColourfulness() {
        assertEquals(0.0, new Colourfulness().score(flat(0.3f, 0.3f, 0.3f), H, W));
        float[] greyNoise = noise(11);
        int plane = H * W;
        System.arraycopy(greyNoise, 0, greyNoise, plane, plane);
        System.arraycopy(greyNoise, 0, greyNoise, 2 * plane, plane);
        assertEquals(0.0, new Colourfulness().score(greyNoise, H, W));
        assertTrue(new Colourfulness().score(noise(11), H, W) > 10);
    }

    @Test
    void brightnessIsRec709LumaAgainstATarget() {
        // Pure green at 255: luma 0.7152; the default target 0.5 is 0.2152 away.
        float[] green = flat(-1, 1, -1);
        assertEquals(-0.2152, PixelRewards.named("brightness").score(green, H, W), 1e-12);
        assertEquals(0.0, PixelRewards.named("brightness:0.7152").score(green, H, W), 1e-12);
        // Levels (51, 102, 204): (0.2126 * 51 + 0.7152 * 102 + 0.0722 * 204) / 255 = (10.8426 + 72.9504 + 14.7288) / 255.
        float[] img = flat(level(51), level(102), level(204));
        double luma = 98.5218 / 255;
        assertEquals(luma, Brightness.meanLuma(img, H, W), 1e-12);
        assertEquals(-Math.abs(luma - 0.9), PixelRewards.named("Brightness: 0.9").score(img, H, W), 1e-12);
        // Values beyond [-1, 1] are clamped as a PNG would store them: white is white.
        assertEquals(1.0, Brightness.meanLuma(flat(3, 2, 1.5f), H, W), 1e-12);
        assertEquals(0.0, PixelRewards.named("brightness:1").score(flat(3, 2, 1.5f), H, W), 1e-12);
    }

    @Test
    void nonFinitePixelsScoreNaN() {
        for (String name : PixelRewards.NAMES) {
            PixelReward r = PixelRewards.named(name);
            for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
                float[] img = noise(2);
                img[img.length - 1] = bad;
                assertTrue(Double.isNaN(r.score(img, H, W)), name + " on " + bad);
            }
            assertFalse(Double.isNaN(r.score(noise(2), H, W)), name);
        }
    }

    @Test
    void wrongShapeIsAnInternalError() {
        for (String name : PixelRewards.NAMES) {
            PixelReward r = PixelRewards.named(name);
            assertThrows(IllegalArgumentException.class, () -> r.score(new float[3 * H * W], H + 1, W), name);
            assertThrows(IllegalArgumentException.class, () -> r.score(new float[0], 0, 0), name);
        }
    }

    @Test
    void namesResolveInAnyCaseAndRoundTrip() {
        assertEquals(List.of("jpeg-compressibility", "jpeg-incompressibility", "colourfulness", "brightness"),
                PixelRewards.NAMES);
        for (String name : PixelRewards.NAMES) {
            assertEquals(name, PixelRewards.named(name).name());
            assertEquals(name, PixelRewards.named(" " + name.toUpperCase(java.util.Locale.ROOT) + " ").name());
        }
        PixelReward b = PixelRewards.named("BRIGHTNESS:0.70");
        assertInstanceOf(Brightness.class, b);
        assertEquals(0.7, ((Brightness) b).target());
        assertEquals("brightness:0.7", b.name());
        assertEquals(b.name(), PixelRewards.named(b.name()).name());
        assertEquals("brightness", PixelRewards.named("brightness:0.5").name());
        assertEquals(0.0, ((Brightness) PixelRewards.named("brightness:0")).target());
        assertEquals(0.25, ((Brightness) PixelRewards.named("brightness:.25")).target());
        assertEquals("brightness:0.0001", PixelRewards.named("brightness:0.0001").name()); // not 1.0E-4, which named() refuses
    }

    @Test
    void badNamesAndTargetsAreOneLineUserErrors() {
        for (String spec : new String[] {"sharpness", "", "jpeg", "colorfulness:", "brightness:", "brightness:1.5",
                "brightness:-0.1", "brightness:NaN", "brightness:Infinity", "brightness:0x1p-1", "brightness:1e-1",
                "brightness:0.5:0.6", "brightness:half", "colourfulness:2", "jpeg-compressibility:95", "brightness:\n0.5x"}) {
            UserError e = assertThrows(UserError.class, () -> PixelRewards.named(spec), spec);
            assertFalse(e.getMessage().contains("\n"), spec);
        }
        assertThrows(UserError.class, () -> PixelRewards.named(null));
        UserError e = assertThrows(UserError.class, () -> PixelRewards.named("brightness:2"));
        assertEquals("brightness target \"2\" is not a number in [0, 1] (e.g. brightness:0.7)", e.getMessage());
        e = assertThrows(UserError.class, () -> PixelRewards.named("sharp"));
        assertTrue(e.getMessage().contains("jpeg-compressibility") && e.getMessage().contains("brightness"), e.getMessage());
    }
}
