package flowscale.bench.experiments;

import java.util.List;
import java.util.Locale;

/**
 * The result of one cell on one prompt, one line of the results file. Metrics are of the search's output
 * (its best sample): {@code reward} = counting reward (−RSS) recomputed on it, {@code heldOut} = the held-out
 * metric, {@code exact} = 1 when RSS = 0. Times are wall milliseconds from the search's trace, split into
 * model, reward and the rest (the search's own code).
 *
 * @param status {@code ok}; {@code n/a} when the method rejects the configuration (the note says why); or
 *               {@code no-output} when no candidate had a finite estimate and reward
 */
public record ResultRow(String model, long seed, String method, String sampler, long budget, String options,
                        int prompt, String promptText, String status, double reward, double heldOut, double exact,
                        double diversity, int finals, long nfe, long rewardCalls, long nonFinite,
                        double totalMs, double modelMs, double rewardMs, String note) {

    public static final String OK = "ok";
    public static final String NOT_APPLICABLE = "n/a";
    public static final String NO_OUTPUT = "no-output";

    static final List<String> COLUMNS = List.of("model", "seed", "method", "sampler", "budget", "options", "prompt",
            "prompt_text", "status", "reward", "heldout", "exact", "diversity", "finals", "nfe", "reward_calls",
            "non_finite", "total_ms", "model_ms", "reward_ms", "note");

    public ResultRow {
        promptText = clean(promptText);
        note = clean(note);
    }

    static String header() {
        return String.join(",", COLUMNS);
    }

    public boolean ok() {
        return status.equals(OK);
    }

    public double searchMs() {
        return Math.max(0, totalMs - modelMs - rewardMs);
    }

    /** Identity within a results file: model, seed, cell and prompt. */
    public String key() {
        return key(model, seed, method + "|" + sampler + "|" + budget + "|" + options, prompt);
    }

    static String key(String model, long seed, String cellKey, int prompt) {
        return model + "|" + seed + "|" + cellKey + "|" + prompt;
    }

    String toCsv() {
        return String.join(",", model, Long.toString(seed), method, sampler, Long.toString(budget), options,
                Integer.toString(prompt), promptText, status, num(reward), num(heldOut), num(exact), num(diversity),
                Integer.toString(finals), Long.toString(nfe), Long.toString(rewardCalls), Long.toString(nonFinite),
                num(totalMs), num(modelMs), num(rewardMs), note);
    }

    /** Parses a line written by {@link #toCsv()}; throws IllegalArgumentException for anything else. */
    static ResultRow parse(String line) {
        String[] f = line.split(",", -1);
        if (f.length != COLUMNS.size()) {
            throw new IllegalArgumentException("expected " + COLUMNS.size() + " fields, got " + f.length);
        }
        try {
            return new ResultRow(f[0], Long.parseLong(f[1]), f[2], f[3], Long.parseLong(f[4]), f[5], Integer.parseInt(f[6]),
                    f[7], f[8], Double.parseDouble(f[9]), Double.parseDouble(f[10]), Double.parseDouble(f[11]),
                    Double.parseDouble(f[12]), Integer.parseInt(f[13]), Long.parseLong(f[14]), Long.parseLong(f[15]),
                    Long.parseLong(f[16]), Double.parseDouble(f[17]), Double.parseDouble(f[18]), Double.parseDouble(f[19]), f[20]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number: " + e.getMessage(), e);
        }
    }

    /** Full precision, so a table made from the file equals one made from the runs. */
    private static String num(double v) {
        return Double.toString(v);
    }

    /** Free text without the CSV's separators. */
    private static String clean(String s) {
        return s == null ? "" : s.replace(',', ';').replaceAll("\\s*\\R\\s*", " ").strip();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %s %d p%d: %s reward %.3f heldout %.3f", method, sampler, budget, prompt,
                status, reward, heldOut);
    }
}
