package flowscale.runtime.application;

import flowscale.runtime.UserError;
import flowscale.runtime.data.Prompt;
import flowscale.runtime.data.PromptException;
import flowscale.runtime.data.PromptParser;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A {@code --prompts} file: one prompt per line (UTF-8); blank lines and lines starting with {@code #} are
 * skipped, and a line {@code NAME<TAB>PROMPT} (the {@code prompts.txt} that {@code flowscale world} writes) gives
 * the prompt after the tab. Every line is parsed up front, so a bad one stops the job, naming its line, before any work starts.
 */
public final class PromptsFile {
    /** Longest prompt, in characters (the longest valid prompt of the shapes world is about 80). */
    public static final int MAX_PROMPT = 1000;

    /** Longest slug kept in a directory name. */
    public static final int SLUG_LENGTH = 60;

    /** One prompt of the file, with its 1-based line number; {@code prompt} is null for text read by {@link #readText}. */
    public record Line(int number, String text, Prompt prompt) {}

    private PromptsFile() {}

    /** The file's prompts, each parsed as a shapes-world prompt. */
    public static List<Line> read(Path file) {
        return read(file, true);
    }

    /** The file's prompts as text, unparsed, for a model with text encoders (FLUX.1). */
    public static List<Line> readText(Path file) {
        return read(file, false);
    }

    private static List<Line> read(Path file, boolean parse) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new UserError("--prompts " + file + ": no such file");
        } catch (CharacterCodingException e) {
            throw new UserError("--prompts " + file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UserError("--prompts " + file + ": cannot read it (" + e.getMessage() + ")", e);
        }
        List<Line> prompts = new ArrayList<>();
        for (Entry entry : entries(lines)) {
            String text = entry.text();
            if (text.length() > MAX_PROMPT) {
                throw new UserError("--prompts " + file + " line " + entry.number() + " is " + text.length()
                        + " characters long; a prompt has at most " + MAX_PROMPT);
            }
            if (!parse) {
                prompts.add(new Line(entry.number(), text, null));
                continue;
            }
            try {
                prompts.add(new Line(entry.number(), text, PromptParser.parse(text)));
            } catch (PromptException e) {
                throw new UserError("--prompts " + file + " line " + entry.number() + ": " + UserError.oneLine(e.getMessage()), e);
            }
        }
        if (prompts.isEmpty()) throw new UserError("--prompts " + file + " has no prompts (only blank or # lines)");
        return prompts;
    }

    /** A prompt line before it is checked: its 1-based line number and its text. */
    public record Entry(int number, String text) {}

    /**
     * The prompt lines of a file's lines, unchecked, in order: blank and {@code #} lines skipped, a byte-order mark
     * dropped, {@code NAME<TAB>PROMPT} cut to the prompt. {@link #read} checks each; the Spark batch reports a bad
     * one in its row instead of stopping.
     */
    public static List<Entry> entries(List<String> lines) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).strip();
            if (i == 0 && text.startsWith("\uFEFF")) text = text.substring(1).strip();
            if (text.isEmpty() || text.startsWith("#")) continue;
            // flowscale world's prompts.txt: "0000.png<TAB>prompt"; the prompt is after the last tab.
            int tab = text.lastIndexOf('\t');
            if (tab >= 0) text = text.substring(tab + 1).strip();
            if (text.isEmpty()) continue;
            entries.add(new Entry(i + 1, text));
        }
        return entries;
    }

    /** {@code 001-2-red-circles-and-1-blue-square}: the 1-based index, then the text in lower case, words joined by dashes. */
    public static String directoryName(int index, String text) {
        String slug = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (slug.length() > SLUG_LENGTH) slug = slug.substring(0, SLUG_LENGTH).replaceAll("-+$", "");
        String number = String.format(Locale.ROOT, "%03d", index);
        return slug.isEmpty() ? number : number + "-" + slug;
    }
}
