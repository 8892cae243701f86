package flowscale.runtime.application;

import flowscale.runtime.UserError;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.List;

/**
 * Where {@code generate} finds the default model when no {@code --model} is given: {@value #RELATIVE} in the
 * current directory, else in the repository the CLI was built in (the jar is {@code runtime/target/flowscale.jar},
 * so two directories above the jar's directory; the same holds for {@code runtime/target/classes} in tests).
 */
public final class DefaultModel {
    /**
     * The few-step (shortcut) model since issue 19: on the first 100 hard prompts its RBF (VP-SDE) searches solved 52 %
     * against the base model's 25 % (paired, exact McNemar p = 2.5e-5), its one-step estimates are sharp, and its
     * main-job image re-scores to the reward its trace records (bench/RESULTS.md, "Experiments on the few-step model"). The base model, weights/shapes-dit.safetensors, ships
     * beside it.
     */
    public static final String RELATIVE = "weights/shapes-shortcut.safetensors";

    private DefaultModel() {}

    /** The shipped checkpoint, or a one-line {@link UserError} naming where it looked. */
    public static String resolve() {
        return resolve(Path.of(""), codeLocation());
    }

    /**
     * @param cwd          the current directory
     * @param codeLocation the jar (or classes directory) the CLI runs from; null if unknown
     * @return the path to pass to the model sources: relative when found under {@code cwd}, else absolute
     */
    public static String resolve(Path cwd, Path codeLocation) {
        List<Path> tried = new ArrayList<>();
        Path here = cwd.resolve(RELATIVE);
        if (Files.isRegularFile(here)) return here.toString();
        tried.add(here.toAbsolutePath().normalize());
        Path installed = installedCopy(codeLocation);
        if (installed != null) {
            if (Files.isRegularFile(installed)) return installed.toString();
            if (!tried.contains(installed)) tried.add(installed);
        }
        throw new UserError("no --model given and the shipped model is missing (looked for "
                + String.join(" and ", tried.stream().map(Path::toString).toList())
                + "); pass --model FILE.safetensors (or --model toy:gmm for the analytic toy)");
    }

    /** {@code <repository>/weights/...} for a CLI at {@code <repository>/runtime/target/<jar or classes>}. */
    public static Path installedCopy(Path codeLocation) {
        if (codeLocation == null) return null;
        Path target = codeLocation.toAbsolutePath().normalize().getParent();
        if (target == null || target.getParent() == null || target.getParent().getParent() == null) return null;
        return target.getParent().getParent().resolve(RELATIVE);
    }

    private static Path codeLocation() {
        try {
            CodeSource source = DefaultModel.class.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }
}
