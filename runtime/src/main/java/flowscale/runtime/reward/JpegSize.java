package flowscale.runtime.reward;

import flowscale.runtime.data.Images;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;

/**
 * The size of an image as a JPEG of quality 95, the measure behind DDPO's compressibility rewards (Black et al. 2023,
 * "Training Diffusion Models with Reinforcement Learning", which saves the 8-bit image with PIL at quality 95 and
 * counts kilobytes of 1000 bytes).
 *
 * <p>The encoder is the JDK's own {@code javax.imageio} JPEG writer with an explicit quality and no metadata or
 * thumbnail passed in: its output is a function of the pixels alone (baseline, standard Huffman tables, the IJG
 * scaling of the standard quantisation tables, 4:2:0 chroma subsampling), so the size is the same on every run and
 * machine with the same JDK. The byte counts need not equal PIL's (another libjpeg build, another header); what a
 * search uses, the ordering of images by size, is the same measure.
 */
final class JpegSize {
    /** DDPO's quality 95 on the JDK's 0..1 scale (the JDK scales the standard tables as IJG does for quality 100q). */
    static final float QUALITY = 0.95f;

    private JpegSize() {}

    /** Encoded size in kilobytes (1000 bytes), or NaN for an image with a non-finite value. */
    static double kilobytes(float[] image, int height, int width) {
        Pixels.checkShape(image, height, width);
        if (!Pixels.finite(image)) return Double.NaN;
        return bytes(image, height, width) / 1000.0;
    }

    /** The encoded length in bytes of a finite {@code [3, height, width]} image. */
    static int bytes(float[] image, int height, int width) {
        return encode(image, height, width).length;
    }

    /** The JPEG file of a finite {@code [3, height, width]} image. */
    static byte[] encode(float[] image, int height, int width) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) throw new IllegalStateException("this JDK has no JPEG writer (javax.imageio)");
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            writer.setOutput(out);
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(QUALITY);
            param.setProgressiveMode(ImageWriteParam.MODE_DISABLED);
            writer.write(null, new IIOImage(Images.toBufferedImage(image, height, width), null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException("JPEG encoding to memory failed", e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
