package flowscale.spark;

import flowscale.runtime.application.PromptsFile;

import java.io.Serializable;

/**
 * One prompt of a batch with its settings resolved (the row's own, else the batch's), or the row's error when the
 * input already shows it is bad (a seed that is not a number, a missing prompt).
 *
 * @param index  1-based position among the input's prompts: the {@code NNN} of the directory, as in {@code generate --prompts}
 * @param line   the line of a prompts file, or the 1-based row of a table
 * @param error  null, or why the row cannot run (one line)
 */
public record PromptRow(int index, int line, String prompt, long seed, String method, String sampler, long budget,
                        String error) implements Serializable {
    /** The prompt's directory under the output, {@code 001-2-red-circles}, as {@code generate --prompts} names it. */
    public String directory() {
        return PromptsFile.directoryName(index, prompt == null ? "" : prompt);
    }
}
