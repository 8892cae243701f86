package flowscale.runtime.cli;

import flowscale.runtime.UserError;
import flowscale.runtime.application.PromptsFile;

import flowscale.runtime.search.NoiseStreams;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bounds the commands check when they read their options, before any work: every limit that would
 * otherwise be met only after the budget is spent (the noise streams' level and candidate ranges), and sizes
 * that would otherwise end in an OutOfMemoryError or thousands of threads. Each check fails with one line
 * that names the option, the bound and the value.
 */
final class InputLimits {
    /** Largest NFE budget: 10^9 evaluations is days of the shipped model on a fast machine. */
    static final long MAX_BUDGET = 1_000_000_000L;

    /** Sampler steps: one noise-stream level per transition ({@link NoiseStreams#MAX_LEVEL}). */
    static final int MAX_STEPS = NoiseStreams.MAX_LEVEL + 1;

    /** Candidates one RBF level may draw ({@link NoiseStreams#MAX_CANDIDATE}); a level can draw the whole budget. */
    static final long MAX_RBF_EVALUATIONS = NoiseStreams.MAX_CANDIDATE + 1L;

    /** Worker threads of one cpu backend. */
    static final int MAX_THREADS = 256;

    /** Guidance scales beyond this only amplify noise (typical ones are 1 to 10). */
    static final double MAX_CFG = 100;

    /** Longest prompt, in characters: the one limit PromptsFile applies to every front end. */
    static final int MAX_PROMPT = PromptsFile.MAX_PROMPT;

    /** Largest --prompts file: ten thousand prompts of a hundred characters. */
    static final long MAX_PROMPTS_FILE = 1L << 20;

    /** Largest --prompt-embeds file read (T5-XXL's 512 x 4096 states in F32 are 8 MiB). */
    static final long MAX_PROMPT_EMBEDS_FILE = 1L << 30;

    /** Input echoed in an error line is cut to this many characters (the cut of every error line's words). */
    static final int ECHO = UserError.ECHO;

    private static final Pattern CPU_THREADS = Pattern.compile("(?i)\\bcpu:(\\d+)");

    private InputLimits() {}

    static void budget(long budget) {
        if (budget < 1 || budget > MAX_BUDGET) {
            throw new UserError("--budget must be in 1.." + MAX_BUDGET + " NFE, got " + budget);
        }
    }

    static void steps(int steps) {
        if (steps < 1 || steps > MAX_STEPS) {
            throw new UserError("--steps must be in 1.." + MAX_STEPS + " (one noise level per step), got " + steps);
        }
    }

    static void cfg(double cfg) {
        if (!Double.isFinite(cfg) || Math.abs(cfg) > MAX_CFG) {
            throw new UserError("--cfg must be a number in -" + (int) MAX_CFG + ".." + (int) MAX_CFG + " (1 = off), got " + cfg);
        }
    }

    /** RBF: one level may draw every candidate the budget pays for, and a level holds at most 2^20. */
    static void rbfBudget(long budget, double cfg) {
        long evaluations = cfg == 1.0 ? budget : budget / 2;
        if (evaluations > MAX_RBF_EVALUATIONS) {
            throw new UserError("--method rbf draws at most " + MAX_RBF_EVALUATIONS + " candidates per level and one level may"
                    + " draw the whole budget; use --budget <= " + MAX_RBF_EVALUATIONS * (cfg == 1.0 ? 1 : 2) + ", got " + budget);
        }
    }

    /** Thread counts in a --backend or --devices spec ({@code cpu:N}). */
    static void threads(String option, String spec) {
        if (spec == null) return;
        Matcher m = CPU_THREADS.matcher(spec);
        while (m.find()) {
            long n;
            try {
                n = Long.parseLong(m.group(1));
            } catch (NumberFormatException e) {
                n = Long.MAX_VALUE;
            }
            if (n < 1 || n > MAX_THREADS) {
                throw new UserError(option + " " + echo(spec) + ": cpu threads must be in 1.." + MAX_THREADS + ", got " + echo(m.group(1)));
            }
        }
    }

    static void prompt(String option, String text) {
        if (text != null && text.length() > MAX_PROMPT) {
            throw new UserError(option + " is " + text.length() + " characters long; a prompt has at most " + MAX_PROMPT
                    + " (\"" + echo(text) + "\")");
        }
    }

    /**
     * An input file must be a regular file (a FIFO or a device would block or never end) of at most
     * {@code maxBytes}; {@code maxBytes} &lt; 0 means any size. {@code option} names it in the message (empty
     * for a command's positional file).
     */
    static void regularFile(String option, Path file, long maxBytes) {
        String what = option.isEmpty() ? echo(file.toString()) : option + " " + echo(file.toString());
        if (!Files.exists(file)) throw new UserError(what + ": no such file");
        if (Files.isDirectory(file)) throw new UserError(what + " is a directory, not a file");
        if (!Files.isRegularFile(file)) throw new UserError(what + " is not a regular file (a pipe or a device); give a file");
        if (maxBytes >= 0) {
            long size;
            try {
                size = Files.size(file);
            } catch (java.io.IOException e) {
                throw new UserError(what + ": cannot read it (" + e.getMessage() + ")", e);
            }
            if (size > maxBytes) throw new UserError(String.format(Locale.ROOT, "%s is %d bytes; at most %d are read", what, size, maxBytes));
        }
    }

    /** {@code text} cut to {@link #ECHO} characters with an ellipsis, for error lines. */
    static String echo(String text) {
        if (text == null) return "";
        return text.length() <= ECHO ? text : text.substring(0, ECHO) + "…";
    }
}
