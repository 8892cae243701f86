package flowscale.runtime.cli;

import java.nio.file.Path;

/**
 * A search that failed part way, after its best-so-far was written: one line with the cause and where the
 * partial result is. A user error stays one (exit 2, {@link Main#isUserError} follows the cause).
 */
final class SearchStopped extends RuntimeException {
    SearchStopped(RuntimeException cause, Path dir) {
        super("the search stopped early: " + Main.describe(cause) + " (wrote the best found before it to " + dir + ")",
                cause, false, false);
    }
}
