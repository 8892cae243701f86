package flowscale.runtime.reward;

import flowscale.runtime.data.Colour;
import flowscale.runtime.data.Shape;
import flowscale.runtime.data.ShapeClass;
import flowscale.runtime.data.ShapesWorld;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A second object counter that shares no step with {@link ShapeDetector}, so that a search which
 * learns to fool the detector does not also fool this one:
 * <ol>
 *   <li>always a 3x3 median filter per channel (the detector smooths linearly and only when noisy);</li>
 *   <li>colour by linear unmixing in RGB, not by hue: a pixel {@code p} is modelled as
 *       {@code bg + a (c_k - bg)} for each palette colour {@code c_k}; the colour with the smallest
 *       residual wins if its mixing weight {@code a} is at least 1/2 and the residual is small;</li>
 *   <li>8-connected components (the detector uses 4);</li>
 *   <li>shape from weighted cumulants of the blob (weights = mixing weights over its box grown by a
 *       pixel), not from its bounding box: a Gaussian blur adds to the second cumulants only, so the
 *       third and fourth stay as drawn. An upright triangle has a negative vertical skewness (about
 *       -0.57 continuous); {@code q = 2 k22 / (k40 + k04)} is 1/3 for a disk and 0 for an axis-aligned
 *       square; blobs whose second-moment eigenvalue ratio exceeds 2 (merged objects, smears) or that
 *       fit neither are invalid.</li>
 * </ol>
 */
public final class HeldOutCounter {
    /** Counts per (colour, shape) of valid blobs and the number of blobs that fit no shape. */
    public record Result(Map<ShapeClass, Integer> counts, int invalid) {
    }

    private static final double MIN_WEIGHT = 0.5;
    private static final double HALO_WEIGHT = 0.15;
    private static final double MAX_RESIDUAL = 0.25 * 0.25;
    private static final double[][] DIRECTIONS = directions();

    private HeldOutCounter() {
    }

    /** Counts the objects of a square CHW image in [-1, 1]. */
    public static Result count(float[] img) {
        int side = ShapeDetector.side(img);
        int h = side, w = side, plane = h * w;
        double[][] rgb = new double[3][];
        for (int c = 0; c < 3; c++) {
            double[] ch = new double[plane];
            for (int i = 0; i < plane; i++) {
                double v = (img[c * plane + i] + 1.0) * 0.5;
                ch[i] = v > 1 ? 1 : v >= 0 ? v : 0;
            }
            rgb[c] = median3x3(ch, h, w);
        }
        int[] label = new int[plane];
        double[][] weight = new double[DIRECTIONS.length][plane];
        for (int i = 0; i < plane; i++) label[i] = unmix(rgb[0][i], rgb[1][i], rgb[2][i], weight, i);
        int minPixels = Math.max(6, (int) Math.round(10.0 * plane / 1024.0));
        Map<ShapeClass, Integer> counts = new LinkedHashMap<>();
        int invalid = 0;
        for (int[] comp : Components.of(label, h, w, true)) {
            if (comp.length < minPixels) continue;
            int k = label[comp[0]];
            Shape s = shapeByMoments(comp, weight[k], h, w);
            if (s == null) invalid++;
            else counts.merge(new ShapeClass(Colour.ofId(k), s), 1, Integer::sum);
        }
        return new Result(counts, invalid);
    }

    /**
     * Unmixes pixel {@code i}: stores every colour's mixing weight in {@code weight[k][i]} (0 where the
     * weight is below 0.15 or the residual is large) and returns the palette id of the best unmixing
     * with weight at least 1/2, or -1.
     */
    static int unmix(double r, double g, double b, double[][] weight, int i) {
        double[] bg = ShapesWorld.BACKGROUND;
        double dr = r - bg[0], dg = g - bg[1], db = b - bg[2];
        int best = -1;
        double bestRes = MAX_RESIDUAL;
        for (int k = 0; k < DIRECTIONS.length; k++) {
            double[] e = DIRECTIONS[k];
            double a = (dr * e[0] + dg * e[1] + db * e[2]) / (e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
            a = Math.min(a, 1.0);
            double rr = dr - a * e[0], rg = dg - a * e[1], rb = db - a * e[2];
            double res = rr * rr + rg * rg + rb * rb;
            weight[k][i] = a >= HALO_WEIGHT && res < MAX_RESIDUAL ? a : 0;
            if (a >= MIN_WEIGHT && res < bestRes) {
                bestRes = res;
                best = k;
            }
        }
        return best;
    }

    /**
     * The moment rule on the blob's mixing weights over its box grown by a pixel; {@code null} for a
     * blob that fits no shape. Uses cumulants, which a symmetric blur leaves unchanged from the third
     * order on: the vertical third cumulant (skew) finds the triangle, and
     * {@code q = 2 k22 / (k40 + k04)} tells a disk (q = 1/3) from an axis-aligned square (q = 0).
     */
    static Shape shapeByMoments(int[] pixels, double[] weight, int h, int w) {
        int minX = w, minY = h, maxX = -1, maxY = -1;
        for (int p : pixels) {
            minX = Math.min(minX, p % w); maxX = Math.max(maxX, p % w);
            minY = Math.min(minY, p / w); maxY = Math.max(maxY, p / w);
        }
        minX = Math.max(0, minX - 1); minY = Math.max(0, minY - 1);
        maxX = Math.min(w - 1, maxX + 1); maxY = Math.min(h - 1, maxY + 1);
        double m0 = 0, mx = 0, my = 0;
        for (int y = minY; y <= maxY; y++) {
            for (int x = minX; x <= maxX; x++) {
                double a = weight[y * w + x];
                m0 += a; mx += a * x; my += a * y;
            }
        }
        if (m0 <= 0) return null;
        mx /= m0;
        my /= m0;
        double m20 = 0, m02 = 0, m11 = 0, m03 = 0, m40 = 0, m04 = 0, m22 = 0;
        for (int y = minY; y <= maxY; y++) {
            for (int x = minX; x <= maxX; x++) {
                double a = weight[y * w + x];
                if (a == 0) continue;
                double dx = x - mx, dy = y - my, dx2 = dx * dx, dy2 = dy * dy;
                m20 += a * dx2; m02 += a * dy2; m11 += a * dx * dy;
                m03 += a * dy2 * dy;
                m40 += a * dx2 * dx2; m04 += a * dy2 * dy2; m22 += a * dx2 * dy2;
            }
        }
        m20 /= m0; m02 /= m0; m11 /= m0; m03 /= m0; m40 /= m0; m04 /= m0; m22 /= m0;
        if (m20 <= 0 || m02 <= 0) return null; // a line of pixels
        double tr = m20 + m02, det = m20 * m02 - m11 * m11;
        double disc = Math.sqrt(Math.max(0, tr * tr / 4 - det));
        double elongation = (tr / 2 + disc) / Math.max(1e-12, tr / 2 - disc);
        if (elongation > 2.0) return null;
        double skewY = m03 / Math.pow(m02, 1.5);
        double k40 = m40 - 3 * m20 * m20, k04 = m04 - 3 * m02 * m02;
        double k22 = m22 - m20 * m02 - 2 * m11 * m11;
        double q = 2 * k22 / (k40 + k04);
        if (skewY < -0.15) return Shape.TRIANGLE;
        if (Math.abs(skewY) > 0.12 || !(k40 + k04 < 0)) return null;
        return q > 0.2 ? Shape.CIRCLE : Shape.SQUARE;
    }

    private static double[] median3x3(double[] ch, int h, int w) {
        double[] out = new double[ch.length];
        double[] win = new double[9];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int k = 0;
                for (int dy = -1; dy <= 1; dy++) {
                    int yy = Math.min(h - 1, Math.max(0, y + dy));
                    for (int dx = -1; dx <= 1; dx++) {
                        int xx = Math.min(w - 1, Math.max(0, x + dx));
                        win[k++] = ch[yy * w + xx];
                    }
                }
                Arrays.sort(win);
                out[y * w + x] = win[4];
            }
        }
        return out;
    }

    private static double[][] directions() {
        Colour[] all = Colour.values();
        double[][] d = new double[all.length][3];
        for (int k = 0; k < all.length; k++) {
            for (int c = 0; c < 3; c++) d[k][c] = all[k].channel(c) - ShapesWorld.BACKGROUND[c];
        }
        return d;
    }
}
