package flowscale.runtime.reward;

import flowscale.runtime.data.Colour;
import flowscale.runtime.data.Shape;
import flowscale.runtime.data.ShapeClass;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The rule-based detector behind the search rewards.
 *
 * <ol>
 *   <li>Denoise only if the image is noisy: the noise level is estimated from the median absolute
 *       difference of horizontal neighbours (edges are few, so the median sees the noise); above
 *       {@link #NOISY} a 3x3 binomial smoothing runs once, above {@link #VERY_NOISY} twice.</li>
 *   <li>Pixel colour by HSV: a pixel is foreground if its chroma (max - min of r, g, b in [0, 1]) is at
 *       least {@link #MIN_CHROMA}, and takes the palette colour of nearest hue if that hue is within
 *       {@link #MAX_HUE_DISTANCE} degrees. Blur mixes an object with the grey background, which lowers
 *       chroma but keeps hue. The threshold is low (a quarter of an object's chroma) so that it finds
 *       blurred objects and their halo.</li>
 *   <li>Connected components per colour, 4-connectivity (so diagonal touches of two blobs do not merge
 *       them); components smaller than about 10 pixels (scaled with image area) are noise and dropped.</li>
 *   <li>Each blob is cut at half its peak chroma (mean of its brightest quarter, so noise does not
 *       inflate it); the cut may split a blob that blur had bridged into several. A part that still
 *       fits no shape is cut higher (up to {@link #MAX_SPLIT_LEVEL} of the peak) if that splits it.</li>
 *   <li>Shape from the blob's geometry: the aspect ratio of its bounding box, its fill ratio (pixels /
 *       box area: square 1.0, circle pi/4, triangle 1/2), how much of the box's four edge lines it
 *       covers (square ~1, circle ~0.45) and its vertical chroma-mass asymmetry (an upright triangle
 *       has about three quarters of its mass in the lower half of its box). A blob that fits none is
 *       INVALID.</li>
 * </ol>
 */
public final class ShapeDetector {
    /** Chroma (in [0, 1] units) a pixel needs to be an object pixel. */
    public static final double MIN_CHROMA = 0.2;
    /** Fraction of a blob's peak chroma that its core pixels need (the half-maximum outline). */
    public static final double HALF_MAX = 0.5;
    /** Highest cut (fraction of the peak) tried when splitting a blob that fits no shape. */
    public static final double MAX_SPLIT_LEVEL = 0.8;
    private static final double SPLIT_STEP = 0.1;
    /** Largest hue distance (degrees) to the nearest palette hue. */
    public static final double MAX_HUE_DISTANCE = 40;
    /** Estimated noise std (in [0, 1] units) above which the image is smoothed once. */
    public static final double NOISY = 0.02;
    /** Estimated noise std above which it is smoothed twice. */
    public static final double VERY_NOISY = 0.13;

    private static final double[] PALETTE_HUE = paletteHues();

    private ShapeDetector() {
    }

    /** Detects objects in a square CHW image in [-1, 1]. */
    public static List<Detection> detect(float[] img) {
        int side = side(img);
        return detect(img, side, side);
    }

    /** Detects objects in an {@code h x w} CHW image in [-1, 1]. */
    public static List<Detection> detect(float[] img, int h, int w) {
        if (img.length != 3 * h * w) {
            throw new IllegalArgumentException("image has " + img.length + " floats, expected 3*" + h + "*" + w);
        }
        double[][] rgb = unitChannels(img, h * w);
        double noise = noiseLevel(rgb, h, w);
        int passes = noise > VERY_NOISY ? 2 : noise > NOISY ? 1 : 0;
        for (int p = 0; p < passes; p++) {
            for (int c = 0; c < 3; c++) rgb[c] = binomialSmooth(rgb[c], h, w);
        }
        int plane = h * w;
        int[] label = new int[plane];
        double[] chroma = new double[plane];
        for (int i = 0; i < plane; i++) {
            double r = rgb[0][i], g = rgb[1][i], b = rgb[2][i];
            chroma[i] = Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b));
            label[i] = classify(r, g, b);
        }
        int minPixels = Math.max(6, (int) Math.round(10.0 * plane / 1024.0));
        List<Detection> out = new ArrayList<>();
        int[] core = new int[plane];
        for (int[] blob : Components.of(label, h, w, false)) {
            if (blob.length < minPixels) continue;
            // half-maximum cut: blur spreads an object, its half-max contour stays near the true outline
            double peak = robustPeak(blob, chroma);
            java.util.Arrays.fill(core, -1);
            for (int p : blob) {
                if (chroma[p] >= HALF_MAX * peak) core[p] = label[p];
            }
            for (int[] component : Components.of(core, h, w, false)) {
                if (component.length < minPixels) continue;
                addSplitting(out, component, HALF_MAX, peak, minPixels, h, w, label, chroma);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Adds the detection of {@code component} (cut at {@code level * peak}); if it fits no shape,
     * first tries higher cuts, up to {@link #MAX_SPLIT_LEVEL}, that split it into several parts
     * of at least {@code minPixels}: strong blur bridges the gap between neighbours of one colour,
     * and the bridge is fainter than either object.
     */
    private static void addSplitting(List<Detection> out, int[] component, double level, double peak, int minPixels,
                                     int h, int w, int[] label, double[] chroma) {
        Colour colour = Colour.ofId(label[component[0]]);
        Detection d = describe(colour, component, w, h, label, chroma);
        if (d.valid()) {
            out.add(d);
            return;
        }
        int[] cut = new int[h * w];
        for (double next = level + SPLIT_STEP; next <= MAX_SPLIT_LEVEL + 1e-9; next += SPLIT_STEP) {
            java.util.Arrays.fill(cut, -1);
            for (int p : component) {
                if (chroma[p] >= next * peak) cut[p] = label[p];
            }
            List<int[]> parts = Components.of(cut, h, w, false).stream().filter(c -> c.length >= minPixels).toList();
            if (parts.size() >= 2) {
                for (int[] part : parts) addSplitting(out, part, next, peak, minPixels, h, w, label, chroma);
                return;
            }
        }
        out.add(d);
    }

    /** Counts of valid detections per (colour, shape); invalid ones are not counted. */
    public static Map<ShapeClass, Integer> counts(List<Detection> detections) {
        Map<ShapeClass, Integer> counts = new LinkedHashMap<>();
        for (Detection d : detections) {
            if (d.valid()) counts.merge(d.shapeClass(), 1, Integer::sum);
        }
        return counts;
    }

    /** Number of INVALID detections. */
    public static int invalidCount(List<Detection> detections) {
        return (int) detections.stream().filter(d -> !d.valid()).count();
    }

    /** Fraction of detected objects that are valid shapes; 1 when nothing was detected (nothing is malformed). */
    public static double validShapeFraction(List<Detection> detections) {
        if (detections.isEmpty()) return 1.0;
        return (detections.size() - invalidCount(detections)) / (double) detections.size();
    }

    /** Palette colour id of a pixel, or -1 for background / unknown hue. */
    static int classify(double r, double g, double b) {
        double max = Math.max(r, Math.max(g, b));
        double min = Math.min(r, Math.min(g, b));
        double chroma = max - min;
        if (!(chroma >= MIN_CHROMA)) return -1;
        double hue = hue(r, g, b, max, chroma);
        int best = -1;
        double bestDist = MAX_HUE_DISTANCE;
        for (int k = 0; k < PALETTE_HUE.length; k++) {
            double d = Math.abs(hue - PALETTE_HUE[k]);
            d = Math.min(d, 360 - d);
            if (d <= bestDist) {
                bestDist = d;
                best = k;
            }
        }
        return best;
    }

    /** HSV hue in degrees [0, 360). */
    static double hue(double r, double g, double b, double max, double chroma) {
        double h;
        if (max == r) h = ((g - b) / chroma) % 6.0;
        else if (max == g) h = (b - r) / chroma + 2.0;
        else h = (r - g) / chroma + 4.0;
        h *= 60.0;
        return h < 0 ? h + 360.0 : h;
    }

    private static Detection describe(Colour colour, int[] pixels, int w, int h, int[] label, double[] chroma) {
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
        double sx = 0, sy = 0;
        for (int p : pixels) {
            int x = p % w, y = p / w;
            minX = Math.min(minX, x); maxX = Math.max(maxX, x);
            minY = Math.min(minY, y); maxY = Math.max(maxY, y);
            sx += x + 0.5;
            sy += y + 0.5;
        }
        int bw = maxX - minX + 1, bh = maxY - minY + 1;
        // vertical asymmetry: chroma mass below minus above the box's middle row, over the box grown by
        // a pixel (same-coloured pixels only). Blur moves mass but keeps its centroid, so this survives
        // blur that has already rounded the thresholded outline of a triangle.
        double midY2 = minY + maxY; // twice the middle row index
        double massTop = 0, massBottom = 0, mass = 0;
        for (int y = Math.max(0, minY - 1); y <= Math.min(h - 1, maxY + 1); y++) {
            for (int x = Math.max(0, minX - 1); x <= Math.min(w - 1, maxX + 1); x++) {
                int p = y * w + x;
                if (label[p] != colour.ordinal()) continue;
                mass += chroma[p];
                if (2 * y < midY2) massTop += chroma[p];
                else if (2 * y > midY2) massBottom += chroma[p];
            }
        }
        double asymmetry = mass > 0 ? (massBottom - massTop) / mass : 0;
        int[] edgeHits = new int[4]; // top, bottom, left, right rows/columns of the box
        for (int p : pixels) {
            int x = p % w, y = p / w;
            if (y == minY) edgeHits[0]++;
            if (y == maxY) edgeHits[1]++;
            if (x == minX) edgeHits[2]++;
            if (x == maxX) edgeHits[3]++;
        }
        double edgeFill = (edgeHits[0] + edgeHits[1]) / (2.0 * bw) * 0.5 + (edgeHits[2] + edgeHits[3]) / (2.0 * bh) * 0.5;
        double fill = pixels.length / (double) (bw * bh);
        double aspect = Math.max(bw, bh) / (double) Math.min(bw, bh);
        Shape shape = classifyShape(fill, asymmetry, aspect, edgeFill);
        return new Detection(colour, shape, pixels.length, minX, minY, maxX, maxY, sx / pixels.length, sy / pixels.length);
    }

    /** Mean chroma of the brightest quarter of a blob: its peak, without the upward bias of a noisy maximum. */
    private static double robustPeak(int[] blob, double[] chroma) {
        double[] v = new double[blob.length];
        for (int i = 0; i < blob.length; i++) v[i] = chroma[blob[i]];
        java.util.Arrays.sort(v);
        int k = Math.max(1, v.length / 4);
        double sum = 0;
        for (int i = v.length - k; i < v.length; i++) sum += v[i];
        return sum / k;
    }

    /** The shape rule; {@code null} for INVALID. */
    static Shape classifyShape(double fill, double asymmetry, double aspect, double edgeFill) {
        if (aspect > 1.45) return null;
        if (asymmetry > 0.17) {
            // clean triangles have 0.38-0.49, blurred (sigma 1.4) ones still 0.24 or more
            return fill >= 0.35 && fill <= 0.92 ? Shape.TRIANGLE : null;
        }
        if (Math.abs(asymmetry) > 0.12 || fill < 0.6) return null;
        // a square fills its box and its box's edges; blur rounds its corners, so both features
        // are combined: circles score 1.03-1.13, squares 1.31-1.5 (clean and blurred, sizes 7-11)
        return fill + 0.5 * edgeFill >= 1.22 ? Shape.SQUARE : Shape.CIRCLE;
    }

    private static double[][] unitChannels(float[] img, int plane) {
        double[][] rgb = new double[3][plane];
        for (int c = 0; c < 3; c++) {
            for (int i = 0; i < plane; i++) {
                double v = (img[c * plane + i] + 1.0) * 0.5;
                rgb[c][i] = v > 1 ? 1 : v >= 0 ? v : 0; // NaN becomes 0
            }
        }
        return rgb;
    }

    /** Noise std estimate: median |difference of horizontal neighbours| / (sqrt(2) * 0.6745). */
    static double noiseLevel(double[][] rgb, int h, int w) {
        double[] diffs = new double[3 * h * (w - 1)];
        int n = 0;
        for (double[] ch : rgb) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x + 1 < w; x++) {
                    diffs[n++] = Math.abs(ch[y * w + x + 1] - ch[y * w + x]);
                }
            }
        }
        if (n == 0) return 0;
        java.util.Arrays.sort(diffs, 0, n);
        return diffs[n / 2] / (Math.sqrt(2) * 0.6745);
    }

    /** 3x3 binomial (1 2 1) smoothing with replicated borders. */
    static double[] binomialSmooth(double[] ch, int h, int w) {
        double[] tmp = new double[ch.length];
        double[] out = new double[ch.length];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int xl = Math.max(0, x - 1), xr = Math.min(w - 1, x + 1);
                tmp[y * w + x] = 0.25 * ch[y * w + xl] + 0.5 * ch[y * w + x] + 0.25 * ch[y * w + xr];
            }
        }
        for (int y = 0; y < h; y++) {
            int yu = Math.max(0, y - 1), yd = Math.min(h - 1, y + 1);
            for (int x = 0; x < w; x++) {
                out[y * w + x] = 0.25 * tmp[yu * w + x] + 0.5 * tmp[y * w + x] + 0.25 * tmp[yd * w + x];
            }
        }
        return out;
    }

    static int side(float[] img) {
        int side = (int) Math.round(Math.sqrt(img.length / 3.0));
        if (side < 1 || 3 * side * side != img.length) {
            throw new IllegalArgumentException("image of " + img.length + " floats is not 3*s*s for a square side s");
        }
        return side;
    }

    private static double[] paletteHues() {
        Colour[] all = Colour.values();
        double[] hues = new double[all.length];
        for (int k = 0; k < all.length; k++) {
            Colour c = all[k];
            double max = Math.max(c.red(), Math.max(c.green(), c.blue()));
            double min = Math.min(c.red(), Math.min(c.green(), c.blue()));
            hues[k] = hue(c.red(), c.green(), c.blue(), max, max - min);
        }
        return hues;
    }
}
