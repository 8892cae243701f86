package flowscale.runtime.cli;

import flowscale.runtime.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemException;
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
            EncodeCommand.class,
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
        CommandLine cl = commandLine();
        int code = cl.execute(args);
        System.exit(checkOutput(code, cl.getOut(), System.out, cl.getErr()));
    }

    /** Runs the CLI and returns the exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /**
     * A command whose standard output could not be written (a full disk, a closed pipe) did not do its job:
     * exit 1 with one line, whatever the command returned.
     */
    static int checkOutput(int code, PrintWriter out, java.io.PrintStream stdout, PrintWriter err) {
        out.flush();
        if (out.checkError() | stdout.checkError()) {
            err.println("error: cannot write to standard output (disk full or pipe closed?)");
            err.flush();
            return code == EXIT_OK ? EXIT_INTERNAL : code;
        }
        return code;
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        // An OutOfMemoryError is an Error, which picocli lets through as a stack trace; make it one line.
        CommandLine.IExecutionStrategy run = new CommandLine.RunLast();
        cl.setExecutionStrategy(parseResult -> {
            try {
                return run.execute(parseResult);
            } catch (OutOfMemoryError e) {
                throw new CommandLine.ExecutionException(cl, "out of memory", new OutOfMemory(e));
            }
        });
        cl.setExitCodeExceptionMapper(t -> isUserError(t) ? EXIT_USAGE : EXIT_INTERNAL);
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(UserError.usageLine(ex.getMessage(), ex.getCommandLine().getCommandSpec().qualifiedName()));
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

    /**
     * The error as one line for the user, never a Java class name: user errors and the CLI's own failures by
     * their message, file-system failures by path and reason, anything else as an internal error.
     */
    static String describe(Throwable t) {
        Throwable c = t;
        while ((c instanceof UncheckedIOException || c instanceof CommandLine.ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof OutOfMemoryError oom) return UserError.oneLine(OutOfMemory.describe(oom));
        if (c instanceof NoSuchFileException nsf) {
            return UserError.oneLine("no such file: " + nsf.getFile());
        }
        if (c instanceof FileSystemException fs) {
            return UserError.oneLine((fs.getFile() == null ? "" : fs.getFile() + ": ") + OutputDirectory.reason(fs)
                    + (fs.getOtherFile() == null ? "" : " (" + fs.getOtherFile() + ")"));
        }
        String msg = c.getMessage();
        boolean ours = c instanceof UserError || c instanceof SearchStopped || c instanceof OutOfMemory || isUserError(c);
        if (ours && msg != null && !msg.isBlank()) return UserError.oneLine(msg);
        String what = words(c.getClass().getSimpleName());
        return UserError.oneLine("internal error (" + what + ")" + (msg == null || msg.isBlank() ? "" : ": " + msg)
                + " — please report it; --debug prints the details");
    }

    /** {@code IllegalStateException} as {@code illegal state}. */
    private static String words(String className) {
        return className.replaceAll("(Exception|Error)$", "").replaceAll("([a-z0-9])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT).strip();
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
