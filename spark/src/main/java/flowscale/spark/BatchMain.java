package flowscale.spark;

import flowscale.runtime.UserError;
import picocli.CommandLine;

import java.io.PrintWriter;

/**
 * The entry point of the application jar ({@code spark-submit --class flowscale.spark.BatchMain}) and of
 * {@code ./flowscale batch}. Exit codes as the CLI's: 0 done, 2 bad options or input (one line), 1 anything else.
 */
public final class BatchMain {
    private BatchMain() {}

    public static void main(String[] args) {
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs {@code batch ARGS}; bad input gives one line on {@code err} and 2. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new BatchCommand());
        cl.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println(UserError.usageLine(ex.getMessage(), ex.getCommandLine().getCommandSpec().qualifiedName()));
            err.flush();
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            boolean user = isUserError(ex);
            line.getErr().println("error: " + UserError.oneLine(describe(ex)));
            line.getErr().flush();
            if (!user && System.getenv("FLOWSCALE_DEBUG") != null) ex.printStackTrace(line.getErr());
            return user ? 2 : 1;
        });
        return cl;
    }

    private static boolean isUserError(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) if (c instanceof UserError) return true;
        return false;
    }

    private static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) if (c instanceof UserError) return c.getMessage();
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }
}
