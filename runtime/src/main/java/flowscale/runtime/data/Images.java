package flowscale.runtime.data;

import flowscale.loader.AtomicFile;
import flowscale.runtime.UserError;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Images as the model sees them: {@code float[3*h*w]}, channel-major (all red, then green, then blue),
 * row-major within a channel, values in [-1, 1] with -1 black. Conversion to 8-bit clamps to
 * [-1, 1] and rounds to the nearest level.
 */
public final class Images {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private Images() {
    }

    /** [0, 1] intensity to the model's [-1, 1]. */
    public static float toSigned(double unit) {
        return (float) (2.0 * unit - 1.0);
    }

    /** The model's [-1, 1] value to an 8-bit level, clamped; NaN becomes 0. */
    public static int toByte(float v) {
        if (!(v > -1f)) return 0; // also NaN
        if (v >= 1f) return 255;
        return (int) Math.round((v + 1.0) * 127.5);
    }

    /** A TYPE_INT_RGB image of a CHW float image. */
    public static BufferedImage toBufferedImage(float[] img, int h, int w) {
        checkLength(img, h, w);
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                int rgb = toByte(img[i]) << 16 | toByte(img[plane + i]) << 8 | toByte(img[2 * plane + i]);
                out.setRGB(x, y, rgb);
            }
        }
        return out;
    }

    /** The CHW float image of any RGB or ARGB image (alpha ignored). */
    public static float[] fromBufferedImage(BufferedImage bi) {
        int h = bi.getHeight();
        int w = bi.getWidth();
        int plane = h * w;
        float[] img = new float[3 * plane];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = bi.getRGB(x, y);
                int i = y * w + x;
                img[i] = (float) (((rgb >> 16) & 0xFF) / 127.5 - 1.0);
                img[plane + i] = (float) (((rgb >> 8) & 0xFF) / 127.5 - 1.0);
                img[2 * plane + i] = (float) ((rgb & 0xFF) / 127.5 - 1.0);
            }
        }
        return img;
    }

    /** PNG bytes of a CHW float image. */
    public static byte[] toPng(float[] img, int h, int w) {
        return toPng(toBufferedImage(img, h, w));
    }

    /** Writes a CHW float image as PNG, atomically (temp file then move). */
    public static void write(Path path, float[] img, int h, int w) {
        writeAtomically(path, toPng(img, h, w));
    }

    /** Writes a rendered image as PNG, atomically. */
    public static void write(Path path, BufferedImage image) {
        writeAtomically(path, toPng(image));
    }

    /** Reads a {@value ShapesWorld#SIZE}x{@value ShapesWorld#SIZE} PNG. */
    public static float[] readPng(Path path) {
        return readPng(path, ShapesWorld.SIZE, ShapesWorld.SIZE);
    }

    /** Reads an RGB or ARGB image of exactly {@code h x w}; any other size or an unreadable file is a {@link UserError}. */
    public static float[] readPng(Path path, int h, int w) {
        BufferedImage bi;
        try {
            if (!Files.isRegularFile(path)) {
                throw new UserError("cannot read image " + path + ": no such file");
            }
            bi = ImageIO.read(path.toFile());
        } catch (IOException e) {
            throw new UserError("cannot read image " + path + ": " + e.getMessage(), e);
        }
        if (bi == null) {
            throw new UserError("cannot read image " + path + ": not a PNG or other readable image");
        }
        if (bi.getWidth() != w || bi.getHeight() != h) {
            throw new UserError("image " + path + " is " + bi.getWidth() + "x" + bi.getHeight() + ", expected " + w + "x" + h);
        }
        return fromBufferedImage(bi);
    }

    /** Nearest-neighbour upscaling by an integer factor (for viewing). */
    public static float[] upscale(float[] img, int h, int w, int factor) {
        checkLength(img, h, w);
        if (factor < 1) throw new IllegalArgumentException("upscale factor " + factor + " < 1");
        int H = h * factor, W = w * factor;
        float[] out = new float[3 * H * W];
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    out[c * H * W + y * W + x] = img[c * h * w + (y / factor) * w + x / factor];
                }
            }
        }
        return out;
    }

    static void checkLength(float[] img, int h, int w) {
        if (h < 1 || w < 1 || img.length != 3 * h * w) {
            throw new IllegalArgumentException("image has " + img.length + " floats, expected 3*" + h + "*" + w);
        }
    }

    /** {@code image} encoded as PNG. */
    public static byte[] toPng(BufferedImage bi) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(bi, "png", bytes)) throw new IOException("no PNG writer in this JDK");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeAtomically(Path path, byte[] bytes) {
        try {
            AtomicFile.write(path, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
