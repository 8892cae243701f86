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

    /** Longest error line: enough for any message of ours, short enough that echoed input cannot flood a log. */
    public static final int MAX_LINE = 2000;

    /** Longest word of echoed input (a value, a prompt, a path) an error line repeats before cutting it with "…". */
    public static final int ECHO = 200;

    /**
     * {@code s} as errors are printed: every line break (and the blanks around it) turned into one space, every
     * word longer than {@link #ECHO} characters cut, and the whole line at most {@link #MAX_LINE} characters.
     */
    public static String oneLine(String s) {
        if (s == null) return "";
        String cut = s.length() > 4 * MAX_LINE ? s.substring(0, 4 * MAX_LINE) : s;
        String line = cut.replaceAll("\\s*\\R\\s*", " ").replaceAll("(\\S{" + ECHO + "})\\S+", "$1…").strip();
        return line.length() <= MAX_LINE ? line : line.substring(0, MAX_LINE) + "…";
    }

    /** The one line a command prints for a bad option or argument ({@code message}), pointing at its {@code --help}. */
    public static String usageLine(String message, String command) {
        return "error: " + oneLine(message) + " (see '" + command + " --help')";
    }
}
