package flowscale.runtime.reward;

import flowscale.runtime.UserError;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The {@link PixelReward}s by name, as {@code --reward} takes them for models that decode to images. A name may carry
 * one parameter after a colon where its reward has one: {@code brightness:0.7} aims at mean luma 0.7 instead of
 * {@value Brightness#DEFAULT_TARGET}.
 */
public final class PixelRewards {

    /** The names, in the order help lists them. */
    public static final List<String> NAMES =
            List.of("jpeg-compressibility", "jpeg-incompressibility", "colourfulness", "brightness");

    /** How help shows the names with their parameters. */
    public static final String USAGE =
            "jpeg-compressibility, jpeg-incompressibility, colourfulness, brightness[:TARGET in 0..1, default 0.5]";

    /** A plain decimal: no sign, exponent, hex, NaN or Infinity, which Double.parseDouble would also take. */
    private static final Pattern DECIMAL = Pattern.compile("\\d+(\\.\\d*)?|\\.\\d+");

    private PixelRewards() {}

    /**
     * The named reward (any case, blanks around it ignored), with its parameter after a colon if it takes one; a
     * one-line {@link UserError} for an unknown name, a parameter where none is taken, or a parameter out of range.
     */
    public static PixelReward named(String spec) {
        String s = spec == null ? "" : spec.strip();
        int colon = s.indexOf(':');
        String name = (colon < 0 ? s : s.substring(0, colon)).strip().toLowerCase(Locale.ROOT);
        String parameter = colon < 0 ? null : s.substring(colon + 1).strip();
        PixelReward reward = switch (name) {
            case "jpeg-compressibility" -> new JpegCompressibility();
            case "jpeg-incompressibility" -> new JpegIncompressibility();
            case "colourfulness" -> new Colourfulness();
            case "brightness" -> parameter == null ? new Brightness() : new Brightness(target(parameter));
            default -> throw new UserError("unknown image reward \"" + UserError.oneLine(String.valueOf(spec))
                    + "\"; known: " + USAGE);
        };
        if (parameter != null && !name.equals("brightness")) {
            throw new UserError("image reward " + name + " takes no parameter, got \"" + UserError.oneLine(spec) + "\"");
        }
        return reward;
    }

    private static double target(String parameter) {
        double t = DECIMAL.matcher(parameter).matches() ? Double.parseDouble(parameter) : Double.NaN;
        if (!(t >= 0 && t <= 1)) {
            throw new UserError("brightness target \"" + UserError.oneLine(parameter)
                    + "\" is not a number in [0, 1] (e.g. brightness:0.7)");
        }
        return t;
    }
}
