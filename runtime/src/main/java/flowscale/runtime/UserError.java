package flowscale.runtime;

/**
 * Bad usage or bad input: the CLI prints the message as one line on stderr and exits with 2.
 * Throw it (or a subclass) for anything the user can fix; everything else is an internal failure (exit 1).
 *
 * <p>It sits in the runtime's root package, below every layer, because the layers that first meet user
 * input (prompt text in {@code data}, reward names in {@code reward}, model files in {@code application})
 * throw it themselves; the application layer and the CLI only report it.
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code s} with every line break (and the blanks around it) turned into one space, as errors are printed. */
    public static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
