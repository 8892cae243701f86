package flowscale.runtime.report;

import flowscale.loader.AtomicFile;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code index.html} of a run over many prompts: one card per prompt linking to its own report (a relative
 * link into its directory; models without reports link their trace), with its chosen image inlined and its reward. Self-contained like the reports.
 */
public final class IndexPage {
    /**
     * One prompt's line in the index.
     *
     * @param link     what the card opens, relative to the index (e.g. {@code 001-2-red-circles/report.html})
     * @param bestPng  its chosen image (any size; shown pixelated), null when none was found
     */
    public record Entry(String link, String prompt, double bestReward, byte[] bestPng, boolean interrupted) {}

    private IndexPage() {}

    /**
     * @param settings one line saying how every prompt was run (method, sampler, budget, seed, model)
     * @param notRun   prompts of the file that were not run because the job was interrupted
     */
    public static String render(String settings, List<Entry> entries, int notRun) {
        StringBuilder b = new StringBuilder("<main>\n<h1>flowscale: ").append(entries.size() + notRun)
                .append(entries.size() + notRun == 1 ? " prompt" : " prompts").append("</h1>\n");
        b.append("<p class=\"sub\">").append(Html.escape(settings)).append("</p>\n");
        if (notRun > 0) {
            b.append("<div class=\"banner\">Interrupted: ").append(notRun).append(notRun == 1 ? " prompt was" : " prompts were")
                    .append(" not run.</div>\n");
        }
        double mean = entries.stream().mapToDouble(Entry::bestReward).filter(Double::isFinite).average().orElse(Double.NaN);
        long found = entries.stream().filter(e -> e.bestPng() != null).count();
        b.append("<section>\n<p>").append(found).append(" of ").append(entries.size())
                .append(" prompts have a chosen image; mean reward of the chosen images ").append(Html.escape(Html.num(mean)))
                .append(". Each card opens that prompt's report.</p>\n</section>\n<div class=\"cards\">\n");
        for (Entry e : entries) {
            b.append("<a class=\"card\" href=\"").append(Html.escape(e.link())).append("\">\n");
            if (e.bestPng() != null) {
                b.append("<img class=\"pixelated\" alt=\"chosen sample\" src=\"").append(Html.pngDataUri(e.bestPng())).append("\">\n");
            }
            b.append("<div>").append(Html.escape(e.prompt())).append("</div>\n<div class=\"note\">reward ")
                    .append(Html.escape(Html.num(e.bestReward())))
                    .append(e.interrupted() ? " \u00b7 interrupted" : "").append("</div>\n</a>\n");
        }
        b.append("</div>\n</main>\n");
        return Html.page("flowscale: " + entries.size() + " prompts", b.toString());
    }

    public static void write(Path file, String settings, List<Entry> entries, int notRun) throws IOException {
        AtomicFile.writeString(file, render(settings, entries, notRun));
    }
}
