package flowscale.kernels;

import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.special.Erf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes {@code NormalQuantileTable.java}, the coefficients of the {@code quantile-v2} normal transform
 * ({@link NormalQuantile}). Run once; the output is committed and is part of the noise scheme's definition,
 * so regenerating is never needed to reproduce a stream ({@code NormalQuantileTest} checks the committed table's
 * accuracy, not that this program reproduces it):
 * <pre>
 *   java -cp kernels/target/test-classes:kernels/target/classes:COMMONS_MATH3_JAR \
 *        flowscale.kernels.NormalQuantileTableGenerator kernels/src/main/java/flowscale/kernels/NormalQuantileTable.java
 * </pre>
 * Each piece is the degree-3 Chebyshev interpolant (in double) of the exact upper quantile on the piece, expanded
 * into powers of {@code t} and rounded to float.
 */
public final class NormalQuantileTableGenerator {
    private static final NormalDistribution STANDARD = new NormalDistribution(null, 0, 1);

    private NormalQuantileTableGenerator() {}

    /**
     * The upper quantile {@code q} with {@code P(Z > q) = p}, {@code 0 < p <= 1/2}, to double precision: commons-math's
     * inverse CDF (accurate to ~1e-9) refined by Newton steps on the complementary error function.
     */
    public static double upperQuantile(double p) {
        if (p == 0.5) return 0;
        double q = -STANDARD.inverseCumulativeProbability(p);
        for (int it = 0; it < 4; it++) {
            double tail = 0.5 * Erf.erfc(q / Math.sqrt(2));
            double density = Math.exp(-0.5 * q * q) / Math.sqrt(2 * Math.PI);
            q += (tail - p) / density;
        }
        return q;
    }

    /** The table, coefficient-major: {@code c[j * PIECES + piece]}. */
    public static float[] coefficients() {
        int d = NormalQuantile.DEGREE;
        int pieces = NormalQuantile.PIECES;
        float[] c = new float[(d + 1) * pieces];
        double half = NormalQuantile.HALF_WIDTH;
        for (int piece = 0; piece < pieces; piece++) {
            int binade = piece / NormalQuantile.PIECES_PER_BINADE;
            double centre = NormalQuantile.centre(piece % NormalQuantile.PIECES_PER_BINADE);
            double scale = Math.scalb(1.0, -(binade + 2));
            double[] f = new double[d + 1];
            for (int i = 0; i <= d; i++) {
                double tau = Math.cos(Math.PI * (i + 0.5) / (d + 1));
                f[i] = upperQuantile((centre + half * tau) * scale);
            }
            double[] power = chebyshevToPower(chebyshev(f));
            for (int j = 0; j <= d; j++) c[j * pieces + piece] = (float) (power[j] / Math.pow(half, j));
        }
        return c;
    }

    private static double[] chebyshev(double[] f) {
        int n = f.length;
        double[] a = new double[n];
        for (int k = 0; k < n; k++) {
            double s = 0;
            for (int i = 0; i < n; i++) s += f[i] * Math.cos(Math.PI * k * (i + 0.5) / n);
            a[k] = s * 2 / n;
        }
        a[0] /= 2;
        return a;
    }

    /** Coefficients of {@code sum a_k T_k(tau)} in powers of tau. */
    private static double[] chebyshevToPower(double[] a) {
        int n = a.length;
        double[] power = new double[n];
        double[] previous = new double[n], current = new double[n];
        previous[0] = 1;
        power[0] += a[0];
        if (n > 1) {
            current[1] = 1;
            power[1] += a[1];
        }
        for (int k = 2; k < n; k++) {
            double[] next = new double[n];
            for (int j = 0; j + 1 < n; j++) next[j + 1] += 2 * current[j];
            for (int j = 0; j < n; j++) next[j] -= previous[j];
            previous = current;
            current = next;
            for (int j = 0; j < n; j++) power[j] += a[k] * current[j];
        }
        return power;
    }

    public static void main(String[] args) throws IOException {
        float[] c = coefficients();
        StringBuilder s = new StringBuilder();
        s.append("package flowscale.kernels;\n\n");
        s.append("/**\n * Coefficients of the {@code quantile-v2} normal transform ({@link NormalQuantile}), part of its definition:\n");
        s.append(" * {@code C[j * PIECES + piece]} multiplies {@code t^j} on that piece. Written by {@code NormalQuantileTableGenerator}\n");
        s.append(" * (kernels' test sources); do not edit by hand.\n */\n");
        s.append("final class NormalQuantileTable {\n    private NormalQuantileTable() {}\n\n    static final float[] C = {\n");
        int perLine = 4;
        for (int i = 0; i < c.length; i++) {
            if (i % perLine == 0) s.append("        ");
            s.append(Float.toHexString(c[i])).append('f').append(i + 1 < c.length ? "," : "");
            s.append(i % perLine == perLine - 1 || i + 1 == c.length ? "\n" : " ");
        }
        s.append("    };\n}\n");
        Files.writeString(Path.of(args[0]), s.toString(), StandardCharsets.UTF_8);
    }
}
