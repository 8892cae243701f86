package flowscale.runtime.text;

/** A vocabulary file that is missing, malformed or of a kind this package does not implement. */
public final class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }

    public TokenizerException(String message, Throwable cause) {
        super(message, cause);
    }
}
