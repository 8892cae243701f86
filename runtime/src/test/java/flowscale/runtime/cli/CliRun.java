package flowscale.runtime.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One in-process CLI invocation with its exit code and captured output, and the checks every error must pass. */
record CliRun(int code, String out, String err) {
    static CliRun of(String... args) {
        return of(null, args);
    }

    /** With {@code stopped}: generate runs as if Ctrl-C came before its first batch. */
    static CliRun of(Boolean stopped, String... args) {
        CommandLine cl = Main.commandLine();
        if (Boolean.TRUE.equals(stopped)) {
            GenerateCommand g = cl.getSubcommands().get("generate").getCommand();
            g.stop.request();
        }
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Exit {@code code}, stderr one line starting with "error: " and containing {@code fragment}, no Java names. */
    CliRun assertError(int expected, String fragment) {
        String what = String.join(" ", "exit " + code, err);
        assertEquals(expected, code, what);
        String e = err.strip();
        assertTrue(e.startsWith("error: "), what);
        assertEquals(1, e.lines().count(), "one line: " + e);
        assertOneLineClean(e);
        if (fragment != null) assertTrue(e.contains(fragment), "'" + fragment + "' in: " + e);
        return this;
    }

    /** No stack trace, no Java exception or error class names. */
    static void assertOneLineClean(String text) {
        assertFalse(text.contains("Exception"), text);
        assertFalse(text.matches("(?s).*\\b[A-Z][A-Za-z]*Error\\b.*"), text);
        assertFalse(text.contains("\tat "), text);
        assertFalse(text.contains("java."), text);
        assertFalse(text.matches("(?s).*[A-Za-z]\\$[A-Za-z0-9]+@[0-9a-f]+.*"), "an object's default toString: " + text);
        assertFalse(text.contains("flowscale.runtime."), text);
    }
}
