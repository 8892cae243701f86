package flowscale.runtime.report;

import flowscale.loader.AtomicFile;
import flowscale.runtime.data.Group;
import flowscale.runtime.reward.ImageScore;
import flowscale.runtime.reward.PromptTally;
import flowscale.runtime.search.Timings;
import flowscale.runtime.search.Trace;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * One run's {@code report.html}: a single self-contained page (inline CSS, images as data URIs, plots as
 * inline SVG, no scripts, nothing fetched) with the prompt and settings, the chosen image with its reward
 * and what the detector counted in it, the final candidates, the best reward over the NFE spent, the
 * accepted and rejected candidates per level, and where the time went.
 */
public final class HtmlReport {
    static final String ACCEPTED = "#2e7d32", REJECTED = "#b0b8c1", LINE = "#1f5fbf", CHOSEN = "#c62828";
    static final String MODEL = "#1f5fbf", REWARD = "#e08a1e", SEARCH = "#6a4fb3";

    private HtmlReport() {}

    public static void write(Path file, RunReport report) throws IOException {
        AtomicFile.writeString(file, render(report));
    }

    public static String render(RunReport r) {
        Trace t = r.trace();
        StringBuilder b = new StringBuilder("<main>\n");
        b.append("<h1>").append(Html.escape(r.prompt().isBlank() ? "(no prompt)" : "\u201c" + r.prompt() + "\u201d")).append("</h1>\n");
        b.append("<p class=\"sub\">").append(Html.escape(t.method() + " with " + t.sampler() + " \u00b7 " + t.nfe() + " of "
                + t.budget() + " NFE \u00b7 seed " + t.seed() + " \u00b7 " + r.model())).append("</p>\n");
        if (t.interrupted()) {
            b.append("<div class=\"banner\">Interrupted after ").append(t.nfe()).append(" of ").append(t.budget())
                    .append(" NFE: this is the best sample found until the search was stopped, not the search's final choice.</div>\n");
        }
        result(b, r);
        settings(b, r);
        progress(b, t);
        levels(b, t);
        candidates(b, r);
        time(b, t.timings());
        files(b, r);
        b.append("</main>\n");
        return Html.page("flowscale: " + r.prompt(), b.toString());
    }

    private static void result(StringBuilder b, RunReport r) {
        b.append("<section>\n<h2>Chosen image</h2>\n");
        if (!r.found()) {
            b.append("<p class=\"bad\">No candidate had a finite estimate and reward, so there is no image.</p>\n</section>\n");
            return;
        }
        b.append("<div class=\"row\">\n<img class=\"best pixelated\" alt=\"chosen sample\" src=\"")
                .append(Html.pngDataUri(r.bestPng())).append("\">\n<div>\n");
        b.append("<div class=\"big\">").append(Html.escape(Html.num(r.bestReward()))).append("</div>\n");
        b.append("<p class=\"note\">").append(Html.escape(r.trace().reward())).append(" reward of this image")
                .append(r.trace().reward().equals("counting") ? " (\u2212RSS of the counts; 0 is a perfect count)" : "")
                .append("</p>\n");
        ImageScore s = r.score();
        if (s != null) counts(b, s);
        b.append("</div>\n</div>\n</section>\n");
    }

    private static void counts(StringBuilder b, ImageScore s) {
        PromptTally t = s.tally();
        List<Group> groups = t.prompt().groups();
        b.append("<table>\n<tr><th>prompt asks for</th><th class=\"n\">asked</th><th class=\"n\">detected</th><th></th></tr>\n");
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            boolean ok = t.requested()[i] == t.detected()[i];
            b.append("<tr><td>").append(Html.escape(g.colour().word() + " " + g.shape().plural())).append("</td><td class=\"n\">")
                    .append(t.requested()[i]).append("</td><td class=\"n\">").append(t.detected()[i]).append("</td><td class=\"")
                    .append(ok ? "ok\">\u2713" : "bad\">\u2717").append("</td></tr>\n");
        }
        b.append("<tr><td>not in the prompt</td><td class=\"n\">0</td><td class=\"n\">").append(t.unpromptedValid())
                .append("</td><td></td></tr>\n");
        b.append("<tr><td>unrecognised blobs</td><td class=\"n\">0</td><td class=\"n\">").append(t.invalid())
                .append("</td><td></td></tr>\n</table>\n");
        b.append("<p class=\"note\">").append(t.exact() ? "Exact match: every group counted right and nothing extra. "
                        : t.groupsMatched() + " of " + groups.size() + " groups counted right. ")
                .append("Held-out metric ").append(Html.escape(Html.num(s.heldOut())))
                .append(" (an independent counter; 1 = exact).</p>\n");
    }

    private static void settings(StringBuilder b, RunReport r) {
        Trace t = r.trace();
        b.append("<section>\n<h2>Run</h2>\n<table>\n");
        row(b, "method", t.method());
        row(b, "sampler", t.sampler() + ", " + t.steps() + " steps");
        row(b, "budget", t.budget() + " NFE (used " + t.nfe() + ")");
        row(b, "reward", t.reward() + " (" + t.rewardCalls() + " calls, " + t.nonFinite() + " non-finite)");
        row(b, "seed", Long.toString(t.seed()));
        row(b, "model", r.model() + " (" + r.modelKind() + ")");
        if (!t.parameters().isEmpty()) {
            row(b, "parameters", t.parameters().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining(", ")));
        }
        row(b, "finished", t.interrupted() ? "no: interrupted" : "yes");
        b.append("</table>\n</section>\n");
    }

    private static void progress(StringBuilder b, Trace t) {
        b.append("<section>\n<h2>Best reward vs NFE spent</h2>\n");
        TraceFigures.Curve c = TraceFigures.bestRewardByNfe(t);
        if (c.size() == 0) {
            b.append("<p class=\"note\">No finite reward was recorded.</p>\n</section>\n");
            return;
        }
        SvgPlot plot = new SvgPlot("NFE spent", t.reward() + " reward")
                .series("best reward seen", c.nfe(), c.best(), LINE, true)
                .xRange(0, t.budget());
        if (Double.isFinite(t.bestReward())) plot.reference(t.interrupted() ? "best when stopped" : "chosen", t.bestReward(), CHOSEN);
        b.append(plot.render(760, 300));
        b.append("<p class=\"note\">Best finite reward among the candidates the search had judged, at each decision of the trace.")
                .append(" The chosen sample can score below it: Rollover Budget Forcing, for one, returns the best of its last level.</p>\n</section>\n");
    }

    private static void levels(StringBuilder b, Trace t) {
        List<TraceFigures.LevelTally> tallies = TraceFigures.levels(t);
        b.append("<section>\n<h2>Candidates per level</h2>\n");
        if (tallies.isEmpty()) {
            b.append("<p class=\"note\">The trace has no level decisions.</p>\n</section>\n");
            return;
        }
        List<String> labels = tallies.stream().map(TraceFigures.LevelTally::label).toList();
        double[] acc = tallies.stream().mapToDouble(TraceFigures.LevelTally::accepted).toArray();
        double[] rej = tallies.stream().mapToDouble(TraceFigures.LevelTally::rejected).toArray();
        b.append(new SvgBarChart(labels, "level", "candidates").segment("accepted", ACCEPTED, acc)
                .segment("rejected", REJECTED, rej)
                .barLabels(tallies.stream().map(l -> l.accepted() + " / " + l.candidates()).toList())
                .render(760, 260));
        b.append("<table>\n<tr><th>level</th><th class=\"n\">decisions</th><th class=\"n\">candidates</th>"
                + "<th class=\"n\">accepted</th><th class=\"n\">rejected</th><th class=\"n\">non-finite</th><th>why</th></tr>\n");
        for (TraceFigures.LevelTally l : tallies) {
            b.append("<tr><td>").append(Html.escape(l.label())).append("</td><td class=\"n\">").append(l.decisions())
                    .append("</td><td class=\"n\">").append(l.candidates()).append("</td><td class=\"n\">").append(l.accepted())
                    .append("</td><td class=\"n\">").append(l.rejected()).append("</td><td class=\"n\">").append(l.nonFinite())
                    .append("</td><td>").append(Html.escape(reasons(l.reasons()))).append("</td></tr>\n");
        }
        b.append("</table>\n<p class=\"note\">A level is the grid step where candidates were judged (init: the initial "
                + "pre-selection of Rollover Budget Forcing). Above each bar: accepted / judged. Accepted: taken by a chain or particle (or surviving a resampling).</p>\n");
        b.append("</section>\n");
    }

    private static String reasons(Map<String, Integer> reasons) {
        return reasons.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    private static void candidates(StringBuilder b, RunReport r) {
        if (r.candidatesPng() == null) return;
        b.append("<section>\n<h2>Final candidates</h2>\n<img class=\"grid pixelated\" alt=\"final candidates\" src=\"")
                .append(Html.pngDataUri(r.candidatesPng())).append("\">\n<p class=\"note\">")
                .append(r.trace().interrupted() ? "The last batch judged before the stop" : "One per chain or particle")
                .append(", best first, each with its reward.</p>\n</section>\n");
    }

    private static void time(StringBuilder b, Timings tm) {
        b.append("<section>\n<h2>Time</h2>\n");
        b.append(new SvgShareBar()
                .part("model", tm.modelNanos(), Html.millis(tm.modelNanos()), MODEL)
                .part("reward", tm.rewardNanos(), Html.millis(tm.rewardNanos()), REWARD)
                .part("search", tm.searchNanos(), Html.millis(tm.searchNanos()), SEARCH)
                .render(760));
        b.append("<p class=\"note\">Total ").append(Html.millis(tm.totalNanos()))
                .append(". Model: the batched velocity calls; reward: the detector; search: everything else (noise, sampler steps, "
                        + "estimates, selection, bookkeeping).</p>\n</section>\n");
    }

    private static void files(StringBuilder b, RunReport r) {
        if (r.files().isEmpty()) return;
        b.append("<section>\n<h2>Files</h2>\n<p class=\"note\">Beside this report: ")
                .append(Html.escape(String.join(", ", r.files()))).append(".</p>\n</section>\n");
    }

    private static void row(StringBuilder b, String key, String value) {
        b.append("<tr><th>").append(Html.escape(key)).append("</th><td>").append(Html.escape(value)).append("</td></tr>\n");
    }
}
