package flowscale.runtime.cli;

import flowscale.runtime.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/**
 * The {@code flowscale} command line. Exit codes: 0 success, 2 bad usage or bad input, 1 internal failure.
 * Errors are one line on stderr; {@code --debug} adds the stack trace.
 */
@Command(name = "flowscale",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        sortOptions = false,
        description = {
            "Inference-time scaling for flow-matching image models on the JVM:",
            "SDE generation, interpolant conversion and reward-guided particle search",
            "under an exact budget of model evaluations (NFE).",
            ""},
        subcommands = {
            CommandLine.HelpCommand.class,
            InfoCommand.class,
            ConformanceCommand.class,
            GenerateCommand.class,
            InspectCommand.class,
            WorldCommand.class,
            ScoreCommand.class,
            TrainCommand.class,
            EvaluateCommand.class,
            TokenizeCommand.class,
            ForwardCommand.class,
            DecodeCommand.class,
        })
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_USAGE = 2;

    @Option(names = "--debug", scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces for errors.")
    boolean debug;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExitCodeExceptionMapper(t -> isUserError(t) ? EXIT_USAGE : EXIT_INTERNAL);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + UserError.oneLine(ex.getMessage()) + " (see '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help')");
            return EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            boolean debug = parseResult.hasMatchedOption("--debug")
                    || parseResult.subcommands().stream().anyMatch(p -> p.hasMatchedOption("--debug"))
                    || (parseResult.subcommand() != null && anyDebug(parseResult.subcommand()));
            err.println("error: " + describe(ex));
            if (debug) {
                ex.printStackTrace(err);
            }
            err.flush();
            return isUserError(ex) ? EXIT_USAGE : EXIT_INTERNAL;
        });
        return cl;
    }

    private static boolean anyDebug(CommandLine.ParseResult pr) {
        if (pr.hasMatchedOption("--debug")) return true;
        return pr.subcommand() != null && anyDebug(pr.subcommand());
    }

    static boolean isUserError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof UserError || c instanceof CommandLine.ParameterException) return true;
            if (c instanceof NoSuchFileException) return true;
            if (c.getClass().getName().startsWith("flowscale.loader.") && c.getClass().getSimpleName().contains("Exception")) {
                return true;
            }
        }
        return false;
    }

    static String describe(Throwable t) {
        Throwable c = t;
        while ((c instanceof UncheckedIOException || c instanceof CommandLine.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof NoSuchFileException nsf) {
            return "no such file: " + nsf.getFile();
        }
        String msg = c.getMessage();
        if (msg == null || msg.isBlank()) {
            msg = c.getClass().getSimpleName();
        } else if (!(c instanceof UserError) && !isUserError(c)) {
            msg = c.getClass().getSimpleName() + ": " + msg;
        }
        return UserError.oneLine(msg);
    }

    /** Version from the jar manifest, with the Java runtime. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"flowscale " + (v == null ? "dev" : v) + " on Java " + Runtime.version()};
        }
    }
}
