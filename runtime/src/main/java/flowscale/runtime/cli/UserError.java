package flowscale.runtime.cli;

/**
 * Bad usage or bad input: the CLI prints the message as one line on stderr and exits with 2.
 * Throw it (or a subclass) for anything the user can fix; everything else is an internal failure (exit 1).
 */
public class UserError extends RuntimeException {
    public UserError(String message) {
        super(message);
    }

    public UserError(String message, Throwable cause) {
        super(message, cause);
    }
}
