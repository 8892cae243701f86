package flowscale.kernels.cpu;

/**
 * sin and cos in double precision for the timestep embedding, built only from exactly rounded operations
 * (add, multiply, {@code rint}), so their results are the same bits in every execution mode and on every
 * machine, like {@code StrictMath}'s, but without its allocations.
 *
 * <p>Why not {@code StrictMath.sin}: for arguments beyond pi/4 its argument reduction allocates small
 * arrays on every call (fdlibm's {@code __ieee754_rem_pio2} as ported to Java), which escape analysis
 * does not always remove; the embedding makes hundreds of such calls per forward pass (timesteps on the
 * 0..1000 scale), about 50 KB per forward of a small model. {@code Math.sin} does not allocate but may
 * be an intrinsic whose last bits differ from its interpreted form.
 *
 * <p>Reduction: {@code k = rint(x * 2/pi)}, {@code r = (x - k * P1) - k * P1T}, where P1 carries the
 * first 33 bits of pi/2 (so {@code k * P1} is exact for |k| < 2^20) and P1T the next 53. The error of
 * r is below 1e-20 absolute for |x| < 1e5; larger arguments, which the embedding never produces, fall
 * back to {@code StrictMath}. On |r| <= pi/4 the Taylor polynomials of degree 17 (sin) and 18 (cos)
 * truncate at under 1e-19, so the result is within a few double ulps of the exact value: far below
 * the float the embedding stores.
 */
final class SineCosine {
    private SineCosine() {}

    private static final double TWO_OVER_PI = 0x1.45f306dc9c883p-1;
    /** pi/2 to 33 significant bits: 1.57079632673412561417. */
    private static final double P1 = 0x1.921fb544p0;
    /** pi/2 - P1 to 53 bits: 6.07710050650619224932e-11. */
    private static final double P1T = 0x1.0b4611a626331p-34;
    /** Beyond this |x| the two-part reduction loses bits; StrictMath handles it (never reached by the embedding). */
    private static final double LIMIT = 1e5;

    /** 1/n! for the odd (sin) and even (cos) Taylor terms, each an exactly rounded quotient. */
    private static final double[] SIN = new double[9];
    private static final double[] COS = new double[10];

    static {
        double factorial = 1;
        for (int n = 1; n <= 18; n++) {
            factorial *= n; // exact: 18! < 2^53
            if ((n & 1) == 1) SIN[n / 2] = ((n / 2 & 1) == 0 ? 1.0 : -1.0) / factorial;
            else COS[n / 2] = ((n / 2 & 1) == 0 ? 1.0 : -1.0) / factorial;
        }
        COS[0] = 1.0;
    }

    static double sin(double x) {
        if (!(Math.abs(x) < LIMIT)) return StrictMath.sin(x);
        double k = Math.rint(x * TWO_OVER_PI);
        double r = (x - k * P1) - k * P1T;
        return switch ((int) ((long) k & 3)) {
            case 0 -> sinPoly(r);
            case 1 -> cosPoly(r);
            case 2 -> -sinPoly(r);
            default -> -cosPoly(r);
        };
    }

    static double cos(double x) {
        if (!(Math.abs(x) < LIMIT)) return StrictMath.cos(x);
        double k = Math.rint(x * TWO_OVER_PI);
        double r = (x - k * P1) - k * P1T;
        return switch ((int) ((long) k & 3)) {
            case 0 -> cosPoly(r);
            case 1 -> -sinPoly(r);
            case 2 -> -cosPoly(r);
            default -> sinPoly(r);
        };
    }

    private static double sinPoly(double r) {
        double r2 = r * r;
        double p = SIN[8];
        for (int i = 7; i >= 0; i--) p = p * r2 + SIN[i];
        return p * r;
    }

    private static double cosPoly(double r) {
        double r2 = r * r;
        double p = COS[9];
        for (int i = 8; i >= 0; i--) p = p * r2 + COS[i];
        return p;
    }
}
