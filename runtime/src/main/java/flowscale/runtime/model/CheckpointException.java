package flowscale.runtime.model;

/**
 * A checkpoint that cannot become a model: bad metadata, missing or unused tensors, wrong shapes or
 * dtypes. The message is one line and names the checkpoint and every offending key.
 */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
