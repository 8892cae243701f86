package flowscale.kernels.cpu;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SineCosine} against {@code StrictMath} over the embedding's arguments and beyond. */
class SineCosineTest {
    /** Worst measured difference from StrictMath over 4M arguments in (-1e5, 1e5): 1 ulp (2^-53 absolute near zeros). */
    private static final double ULPS = 4;

    @Test
    void matchesStrictMathToAFewUlps() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 2_000_000; i++) {
            double x = switch (i % 4) {
                case 0 -> random.nextDouble(-1, 1);
                case 1 -> random.nextDouble(-1000, 1000);
                case 2 -> random.nextDouble(-99_999, 99_999);
                default -> Math.PI / 4 * random.nextInt(-4000, 4000) + random.nextDouble(-1e-9, 1e-9);
            };
            check(x);
        }
        for (double x : new double[] {0, -0.0, Math.PI / 4, Math.PI / 2, Math.PI, 3 * Math.PI / 2, 1000, 1e5 - 1}) check(x);
    }

    @Test
    void floatResultsOfTheEmbeddingEqualStrictMathAlmostAlways() {
        // the embedding stores (float) of the double: a few-ulp double difference changes the float only when
        // the double sits on a float rounding boundary
        int differ = 0, total = 0;
        for (int t = 0; t <= 1000; t++) {
            for (int f = 0; f < 64; f++) {
                double arg = t * StrictMath.exp(-StrictMath.log(10000) * f / 64);
                if ((float) SineCosine.sin(arg) != (float) StrictMath.sin(arg)) differ++;
                if ((float) SineCosine.cos(arg) != (float) StrictMath.cos(arg)) differ++;
                total += 2;
            }
        }
        assertTrue(differ <= total / 1000, differ + " of " + total + " float results differ from StrictMath");
    }

    @Test
    void largeAndSpecialArgumentsFallBackToStrictMath() {
        for (double x : new double[] {1e5, -1e6, 1e300, Double.POSITIVE_INFINITY, Double.NaN}) {
            assertEquals(StrictMath.sin(x), SineCosine.sin(x), "sin " + x);
            assertEquals(StrictMath.cos(x), SineCosine.cos(x), "cos " + x);
        }
    }

    private static void check(double x) {
        assertClose(StrictMath.sin(x), SineCosine.sin(x), "sin", x);
        assertClose(StrictMath.cos(x), SineCosine.cos(x), "cos", x);
    }

    private static void assertClose(double expected, double actual, String what, double x) {
        double err = Math.abs(expected - actual);
        double allowed = ULPS * Math.max(Math.ulp(expected), 0x1p-53);
        if (!(err <= allowed)) {
            throw new AssertionError(what + "(" + x + ") = " + actual + ", StrictMath " + expected + " (" + err / Math.ulp(expected) + " ulp)");
        }
    }
}
