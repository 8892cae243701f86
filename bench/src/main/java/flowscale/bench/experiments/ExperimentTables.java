package flowscale.bench.experiments;

import flowscale.runtime.data.Prompt;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

/**
 * The markdown tables ({@code experiments.md}) and PNG plots of a plan, made from result rows alone (so a
 * resumed or interrupted run gives the same tables as an uninterrupted one). Every number is a mean over the
 * prompts with its 95 % t-interval ({@link MeanInterval}); a cell with fewer prompts than the plan says so.
 */
final class ExperimentTables {
    /** Run description for the header. */
    record Header(String modelPath, String modelId, String modelKind, long seed, String placement, String command,
                  String promptSet, String reward) {
        Header(String modelPath, String modelId, String modelKind, long seed, String placement, String command) {
            this(modelPath, modelId, modelKind, seed, placement, command, "easy", "counting");
        }
    }

    private enum Metric {
        REWARD("counting reward (−RSS)", 3, ResultRow::reward),
        HELD_OUT("held-out metric", 3, ResultRow::heldOut),
        EXACT("exact-count accuracy", 3, ResultRow::exact),
        DIVERSITY("diversity (mean pairwise RMS of final candidates)", 3, ResultRow::diversity);

        final String title;
        final int digits;
        final ToDoubleFunction<ResultRow> value;

        Metric(String title, int digits, ToDoubleFunction<ResultRow> value) {
            this.title = title;
            this.digits = digits;
            this.value = value;
        }
    }

    private static final Map<String, String> PAPER_NAMES = Map.of(
            "ode", "Linear-ODE", "linear-sde", "Linear-SDE", "vp-sde", "VP-SDE",
            "linear-sde-adapt-time", "+ Adapt. Time", "linear-sde-adapt-diff", "+ Adapt. Diff.",
            "ode-vp-grid", "Linear-ODE, sqrt grid");

    private final ExperimentPlan plan;
    private final boolean counting;
    private final String rewardTitle;
    private final String accuracyTitle;
    private final List<Prompt> prompts;
    /** cell key -> prompt index -> row, for prompts of the plan only. */
    private final Map<String, Map<Integer, ResultRow>> byCell = new HashMap<>();
    private final Set<String> notes = new LinkedHashSet<>();

    ExperimentTables(ExperimentPlan plan, List<Prompt> prompts, List<ResultRow> rows) {
        this(plan, prompts, rows, "counting");
    }

    /** @param reward the reward the searches maximised: counting or composition (it names the columns) */
    ExperimentTables(ExperimentPlan plan, List<Prompt> prompts, List<ResultRow> rows, String reward) {
        this.plan = plan;
        this.counting = reward.equals("counting");
        this.rewardTitle = counting ? "counting reward (−RSS)" : "composition reward";
        this.accuracyTitle = counting ? "exact-count accuracy" : "perfect-composition rate (composition = 1)";
        this.prompts = List.copyOf(prompts);
        for (ResultRow r : rows) {
            if (r.prompt() < 0 || r.prompt() >= prompts.size()) continue;
            String key = r.method() + "|" + r.sampler() + "|" + r.budget() + "|" + r.options();
            byCell.computeIfAbsent(key, k -> new TreeMap<>()).put(r.prompt(), r);
        }
    }

    String markdown(Header h) {
        StringBuilder md = new StringBuilder();
        md.append("# Experiments: the paper's findings on our model (").append(plan.name()).append(" plan)\n\n");
        md.append("- model: `").append(h.modelPath()).append("` (").append(h.modelKind()).append(", sha-256 ")
                .append(h.modelId()).append(")\n");
        md.append("- prompts: the first ").append(promptCount()).append(" of ").append(EvaluationPrompts.describe(h.promptSet()))
                .append(" (listed at the end); search seed ").append(h.seed())
                .append("; ").append(h.placement()).append("; M = 10 steps\n");
        if (counting) {
            md.append("- search reward: counting (−RSS over the prompt's groups; 0 = every count right). Metrics are of each search's")
                    .append(" returned sample: counting reward, held-out metric (a different counter the search never sees; 1 =")
                    .append(" exact counts and nothing else), exact-count accuracy (RSS = 0).\n");
        } else {
            md.append("- search reward: composition (the compositional task: the mean over groups of min(detected, asked) /")
                    .append(" max(detected, asked), divided by 1 + the objects the prompt does not name; 1 = every group right and")
                    .append(" nothing else). Metrics are of each search's returned sample: composition reward, held-out metric (a")
                    .append(" different counter the search never sees), perfect-composition rate (composition = 1). \"accuracy\"")
                    .append(" below means this rate.\n");
        }
        md.append("- every number: mean over prompts ± half-width of the two-sided 95 % Student-t interval (t_{0.975, n−1} · sd / √n;")
                .append(" one observation per prompt). `[n=k]` marks a cell with fewer prompts done; `–` not run; `n/a` the")
                .append(" method rejects the configuration. Accuracies are also given as a proportion with its Wilson 95 % score")
                .append(" interval (`0.750 [0.577, 0.867]`), and section 5 adds exact paired tests with Holm's correction.\n");
        md.append("- command: `").append(h.command()).append("`\n\n");
        methodsSection(md);
        scalingSection(md);
        ablationSection(md);
        timeSection(md);
        claimsSection(md);
        if (!notes.isEmpty()) {
            md.append("## Notes\n\n");
            for (String n : notes) md.append("- ").append(n).append('\n');
            md.append('\n');
        }
        md.append("## Prompts\n\n");
        for (int i = 0; i < prompts.size(); i++) {
            md.append(i).append(". ").append(prompts.get(i).canonical()).append('\n');
        }
        return md.toString();
    }

    private void methodsSection(StringBuilder md) {
        md.append("## 1. Methods × samplers at ").append(plan.mainBudget()).append(" NFE\n\n");
        md.append("The paper's Table 1 / Fig. 7 shape: every search method under Linear-ODE, Linear-SDE and VP-SDE, plus the base")
                .append(" model without search (`none`: one sample, 10 NFE). The first table also gives the mean NFE used.")
                .append(" Plots: `methods_reward.png`, `methods_accuracy.png` (bars: mean, whiskers: 95 % CI).")
                .append(" Under Linear-ODE (g = 0) the K proposals of a CoDe/SVDD parent and RBF's candidates of a level coincide,")
                .append(" and SMC resamples copies of deterministic trajectories: these are the degenerate versions the paper")
                .append(" also reports as L.O. columns.\n\n");
        for (Metric m : List.of(Metric.REWARD, Metric.HELD_OUT, Metric.EXACT)) {
            md.append("**").append(capitalise(title(m))).append("**\n\n| method |");
            for (String s : plan.samplers()) md.append(' ').append(paperName(s)).append(" |");
            md.append("\n|---|");
            for (int i = 0; i < plan.samplers().size(); i++) md.append("---|");
            md.append('\n');
            List<String> methods = new ArrayList<>();
            methods.add("none");
            methods.addAll(plan.methods());
            for (String method : methods) {
                md.append("| ").append(method).append(" |");
                for (String s : plan.samplers()) {
                    Cell c = method.equals("none") ? plan.base(s) : plan.methodCell(method, s);
                    md.append(' ').append(text(c, m));
                    if (m == Metric.REWARD) md.append(nfeNote(c));
                    md.append(" |");
                }
                md.append('\n');
            }
            md.append('\n');
        }
        md.append("**").append(capitalise(accuracyTitle)).append(", share of prompts with its Wilson 95 % interval**\n\n| method |");
        for (String s : plan.samplers()) md.append(' ').append(paperName(s)).append(" |");
        md.append("\n|---|");
        for (int i = 0; i < plan.samplers().size(); i++) md.append("---|");
        md.append('\n');
        List<String> all = new ArrayList<>();
        all.add("none");
        all.addAll(plan.methods());
        for (String method : all) {
            md.append("| ").append(method).append(" |");
            for (String s : plan.samplers()) {
                md.append(' ').append(wilson(method.equals("none") ? plan.base(s) : plan.methodCell(method, s))).append(" |");
            }
            md.append('\n');
        }
        md.append('\n');
        if (plan.methods().contains("bon") && plan.samplers().contains("ode")) {
            Cell ref = plan.methodCell("bon", "ode");
            md.append("**").append(capitalise(rewardTitle)).append(", paired difference to BoN with Linear-ODE** (same prompts; CI of the paired differences)\n\n| method |");
            for (String s : plan.samplers()) md.append(' ').append(paperName(s)).append(" |");
            md.append("\n|---|");
            for (int i = 0; i < plan.samplers().size(); i++) md.append("---|");
            md.append('\n');
            for (String method : plan.methods()) {
                md.append("| ").append(method).append(" |");
                for (String s : plan.samplers()) {
                    md.append(' ').append(paired(plan.methodCell(method, s), ref, Metric.REWARD)).append(" |");
                }
                md.append('\n');
            }
            md.append('\n');
        }
    }

    private void scalingSection(StringBuilder md) {
        md.append("## 2. NFE scaling\n\n");
        md.append("The paper's Table 4 shape (quantity-aware task). Plots: `scaling_reward.png`, `scaling_accuracy.png`,")
                .append(" `scaling_heldout.png` (mean ± 95 % CI, log NFE axis).\n\n");
        md.append("| method | sampler | NFE budget | NFE used | " + rewardTitle + " | accuracy | held-out | accuracy, Wilson 95 % |\n")
                .append("|---|---|---|---|---|---|---|---|\n");
        for (ExperimentPlan.Line l : plan.scaling()) {
            for (long b : plan.budgets()) {
                Cell c = plan.scalingCell(l, b);
                md.append("| ").append(l.method()).append(" | ").append(paperName(l.sampler())).append(" | ").append(b)
                        .append(" | ").append(meanNfe(c)).append(" | ").append(text(c, Metric.REWARD)).append(" | ")
                        .append(text(c, Metric.EXACT)).append(" | ").append(text(c, Metric.HELD_OUT)).append(" | ")
                        .append(wilson(c)).append(" |\n");
            }
        }
        md.append('\n');
        if (plan.scaling().stream().anyMatch(l -> l.method().equals("rbf"))) {
            md.append("RBF below 500 NFE keeps 10 % of the budget for its initial noises (init = budget / 20 per chain;")
                    .append(" the default 25 from 500 NFE up), since the default pre-selection alone costs 50 NFE.\n\n");
        }
    }

    private void ablationSection(StringBuilder md) {
        md.append("## 3. Interpolant-conversion ablation (RBF, ").append(plan.mainBudget()).append(" NFE)\n\n");
        md.append("The paper's v5 Table 1 shape. Diversity: for each search, the mean over pairs of its final candidates")
                .append(" (RBF: the two chains' returned estimates) of the RMS pixel distance in [−1, 1] units, then mean ± CI")
                .append(" over prompts; it stands in for the paper's LPIPS-MPD.\n\n");
        md.append("| sampler | diversity | " + rewardTitle + " | held-out | accuracy | accuracy, Wilson 95 % |\n|---|---|---|---|---|---|\n");
        for (String s : plan.ablation()) {
            Cell c = plan.ablationCell(s);
            md.append("| ").append(paperName(s)).append(" (`").append(s).append("`) | ").append(text(c, Metric.DIVERSITY))
                    .append(" | ").append(text(c, Metric.REWARD)).append(" | ").append(text(c, Metric.HELD_OUT))
                    .append(" | ").append(text(c, Metric.EXACT)).append(" | ").append(wilson(c)).append(" |\n");
        }
        md.append('\n');
        if (!plan.estimates().isEmpty()) {
            md.append("**Clean-estimate accounting** (issue 19): the model's default (`auto`: the schnell-like one-step estimate,")
                    .append(" one model call per candidate, for a shortcut model; Tweedie otherwise) against a forced mode (`faithful`:")
                    .append(" the d = 0 velocity drives the step and a second output at d = t gives the estimate, 2 NFE per estimate).")
                    .append(" `n/a`: the model has no one-step estimate.\n\n");
            md.append("| search | estimate | NFE used | ").append(rewardTitle).append(" | held-out | accuracy | accuracy, Wilson 95 % |\n")
                    .append("|---|---|---|---|---|---|---|\n");
            for (String[] ms : new String[][] {{"rbf", "vp-sde"}}) {
                List<Cell> cells = new ArrayList<>();
                cells.add(plan.methodCell(ms[0], ms[1]));
                for (String e : plan.estimates()) cells.add(plan.estimateCell(ms[0], ms[1], e));
                for (Cell c : cells) {
                    md.append("| ").append(ms[0]).append(' ').append(paperName(ms[1])).append(" | ")
                            .append(c.estimate() == null ? "default" : c.estimate()).append(" | ").append(meanNfe(c)).append(" | ")
                            .append(text(c, Metric.REWARD)).append(" | ").append(text(c, Metric.HELD_OUT)).append(" | ")
                            .append(text(c, Metric.EXACT)).append(" | ").append(wilson(c)).append(" |\n");
                }
            }
            md.append('\n');
        }
    }

    private void timeSection(StringBuilder md) {
        Cell c = plan.mainJob();
        md.append("## 4. Time split of the main job (rbf, vp-sde, ").append(c.budget()).append(" NFE, ").append(counting ? "counting" : "composition").append(")\n\n");
        List<ResultRow> rows = okRows(c);
        if (rows.isEmpty()) {
            md.append("Not run yet.\n\n");
            return;
        }
        double total = 0, model = 0, reward = 0, search = 0, nfe = 0;
        for (ResultRow r : rows) {
            total += r.totalMs();
            model += r.modelMs();
            reward += r.rewardMs();
            search += r.searchMs();
            nfe += r.nfe();
        }
        md.append("Wall time of the searches' own traces (`Timings`), summed over ").append(rows.size())
                .append(rows.size() == 1 ? " prompt:" : " prompts:").append(" model = batched velocity calls incl. the path conversion, reward = reward calls,")
                .append(" search = everything else (noise, SDE steps, Tweedie estimates, selection, bookkeeping).\n\n");
        md.append("| phase | total s | per search ms | share |\n|---|---|---|---|\n");
        int n = rows.size();
        md.append(String.format(Locale.ROOT, "| model | %.2f | %.1f | %.1f %% |%n", model / 1e3, model / n, 100 * model / total));
        md.append(String.format(Locale.ROOT, "| reward | %.2f | %.1f | %.1f %% |%n", reward / 1e3, reward / n, 100 * reward / total));
        md.append(String.format(Locale.ROOT, "| search | %.2f | %.1f | %.2f %% |%n", search / 1e3, search / n, 100 * search / total));
        md.append(String.format(Locale.ROOT, "| total | %.2f | %.1f | 100 %% |%n%n", total / 1e3, total / n));
        md.append(String.format(Locale.ROOT, "Search's own time per NFE: %.1f µs (%.0f NFE per search). Issue 7's goal: search share under 3 %%.%n%n",
                1e3 * search / nfe, nfe / n));
    }

    /** Writes the scaling plots into {@code dir}; returns their file names. */
    List<String> writePlots(Path dir) throws IOException {
        List<String> files = new ArrayList<>();
        String r = capitalise(rewardTitle), a = capitalise(accuracyTitle);
        files.add(methodsPlot(dir, "methods_reward.png", Metric.REWARD, r + " by method and sampler", rewardTitle));
        files.add(methodsPlot(dir, "methods_accuracy.png", Metric.EXACT, a + " by method and sampler", "accuracy"));
        files.add(scalingPlot(dir, "scaling_reward.png", Metric.REWARD, r + " vs NFE", rewardTitle));
        files.add(scalingPlot(dir, "scaling_accuracy.png", Metric.EXACT, a + " vs NFE", "accuracy"));
        files.add(scalingPlot(dir, "scaling_heldout.png", Metric.HELD_OUT, "Held-out metric vs NFE", "held-out metric"));
        return files;
    }

    private String methodsPlot(Path dir, String name, Metric m, String title, String yLabel) throws IOException {
        List<String> groups = new ArrayList<>();
        groups.add("none");
        groups.addAll(plan.methods());
        List<String> series = plan.samplers().stream().map(ExperimentTables::paperName).toList();
        double[][] mean = new double[groups.size()][series.size()], half = new double[groups.size()][series.size()];
        for (int g = 0; g < groups.size(); g++) {
            for (int s = 0; s < series.size(); s++) {
                String sampler = plan.samplers().get(s);
                Cell c = g == 0 ? plan.base(sampler) : plan.methodCell(groups.get(g), sampler);
                MeanInterval mi = interval(c, m);
                mean[g][s] = mi.mean();
                half[g][s] = mi.halfWidth();
            }
        }
        new GroupedBarPlot(title + " at " + plan.mainBudget() + " NFE (" + promptCount() + ", 95% CI)", yLabel,
                groups, series, mean, half).write(dir.resolve(name), 860, 440);
        return name;
    }

    private String scalingPlot(Path dir, String name, Metric m, String title, String yLabel) throws IOException {
        ErrorBarPlot p = new ErrorBarPlot(title + " (" + promptCount() + ", 95% CI)", "NFE budget (log scale)", yLabel);
        for (ExperimentPlan.Line l : plan.scaling()) {
            int k = plan.budgets().size();
            double[] x = new double[k], mean = new double[k], half = new double[k];
            for (int i = 0; i < k; i++) {
                long b = plan.budgets().get(i);
                MeanInterval mi = interval(plan.scalingCell(l, b), m);
                x[i] = b;
                mean[i] = mi.mean();
                half[i] = mi.halfWidth();
            }
            p.series(l.method() + " " + paperName(l.sampler()), x, mean, half);
        }
        p.write(dir.resolve(name), 760, 460);
        return name;
    }

    private List<ResultRow> okRows(Cell c) {
        List<ResultRow> out = new ArrayList<>();
        Map<Integer, ResultRow> rows = byCell.get(c.key());
        if (rows == null) return out;
        for (ResultRow r : rows.values()) if (r.ok()) out.add(r);
        return out;
    }

    private MeanInterval interval(Cell c, Metric m) {
        List<Double> v = new ArrayList<>();
        for (ResultRow r : okRows(c)) {
            double x = m.value.applyAsDouble(r);
            if (!Double.isNaN(x)) v.add(x);
        }
        return MeanInterval.of(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private String text(Cell c, Metric m) {
        Map<Integer, ResultRow> rows = byCell.get(c.key());
        if (rows == null || rows.isEmpty()) return "–";
        boolean anyOk = false;
        for (ResultRow r : rows.values()) {
            if (r.ok()) anyOk = true;
            else notes.add(c.label() + ", prompt " + r.prompt() + ": " + r.status() + (r.note().isEmpty() ? "" : " (" + r.note() + ")"));
        }
        if (!anyOk) return rows.values().iterator().next().status();
        MeanInterval mi = interval(c, m);
        String s = mi.format(m.digits);
        return mi.n() < prompts.size() ? s + " [n=" + mi.n() + "]" : s;
    }

    /** Paired differences a − b of a metric over the prompts both cells have ok rows for; null if none. */
    private MeanInterval pairedInterval(Cell c, Cell ref, Metric m) {
        Map<Integer, ResultRow> a = byCell.get(c.key()), b = byCell.get(ref.key());
        if (a == null || b == null) return null;
        List<Double> d = new ArrayList<>();
        for (Map.Entry<Integer, ResultRow> e : a.entrySet()) {
            ResultRow rb = b.get(e.getKey());
            if (e.getValue().ok() && rb != null && rb.ok()) d.add(m.value.applyAsDouble(e.getValue()) - m.value.applyAsDouble(rb));
        }
        return d.isEmpty() ? null : MeanInterval.of(d.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private String paired(Cell c, Cell ref, Metric m) {
        MeanInterval mi = pairedInterval(c, ref, m);
        if (mi == null) return byCell.containsKey(c.key()) && byCell.containsKey(ref.key()) ? "n/a" : "–";
        String s = Double.isNaN(mi.halfWidth()) ? String.format(Locale.ROOT, "%+.3f (n=1)", mi.mean())
                : String.format(Locale.ROOT, "%+.3f ± %.3f", mi.mean(), mi.halfWidth());
        return mi.n() < prompts.size() ? s + " [n=" + mi.n() + "]" : s;
    }

    /**
     * The paper's claims as paired differences "a − b" (a is claimed better): "yes" when the 95 % CI of the
     * difference lies above 0, "reversed" when below, "not resolved" when it contains 0.
     */
    private void claimsSection(StringBuilder md) {
        record Claim(String text, Cell a, Cell b) {}
        List<Claim> claims = new ArrayList<>();
        long nfe = plan.mainBudget();
        Cell rbfVp = plan.methodCell("rbf", "vp-sde");
        claims.add(new Claim("RBF (VP-SDE) beats BoN (Linear-ODE)", rbfVp, plan.methodCell("bon", "ode")));
        claims.add(new Claim("RBF (VP-SDE) beats the base model", rbfVp, plan.base("ode")));
        for (String m : plan.methods()) {
            if (m.equals("bon") || m.equals("sop")) continue;
            claims.add(new Claim(m + ": VP-SDE beats Linear-SDE", plan.methodCell(m, "vp-sde"), plan.methodCell(m, "linear-sde")));
            claims.add(new Claim(m + ": Linear-SDE beats Linear-ODE", plan.methodCell(m, "linear-sde"), plan.methodCell(m, "ode")));
        }
        for (String m : plan.methods()) {
            if (m.equals("rbf") || m.equals("bon")) continue;
            claims.add(new Claim("RBF beats " + m + " (both VP-SDE)", rbfVp, plan.methodCell(m, "vp-sde")));
        }
        if (plan.methods().contains("smc") && plan.methods().contains("bon")) {
            claims.add(new Claim("particle methods with Linear-SDE beat BoN: SMC (L.S.) vs BoN (L.O.)",
                    plan.methodCell("smc", "linear-sde"), plan.methodCell("bon", "ode")));
        }
        List<Long> budgets = plan.budgets();
        if (budgets.size() >= 2) {
            long lo = budgets.get(budgets.size() - 2), hi = budgets.get(budgets.size() - 1);
            for (ExperimentPlan.Line l : plan.scaling()) {
                String who = l.method() + " (" + paperName(l.sampler()) + ")";
                claims.add(new Claim(l.method().equals("rbf") ? who + " keeps improving: " + hi + " vs " + lo + " NFE"
                        : who + " " + hi + " vs " + lo + " NFE (paper: BoN plateaus after ~300)",
                        plan.scalingCell(l, hi), plan.scalingCell(l, lo)));
            }
            ExperimentPlan.Line rbf = new ExperimentPlan.Line("rbf", "vp-sde"), bon = new ExperimentPlan.Line("bon", "ode");
            if (plan.scaling().contains(rbf) && plan.scaling().contains(bon)) {
                for (long b : budgets) {
                    if (b == nfe) continue; // the first claim already compares them at the main budget
                    claims.add(new Claim("RBF (VP-SDE) beats BoN (Linear-ODE) at " + b + " NFE",
                            plan.scalingCell(rbf, b), plan.scalingCell(bon, b)));
                }
            }
        }
        // grid-matched controls: VP-SDE against the linear samplers on its own sqrt grid, and against itself on a uniform one
        claims.add(new Claim("RBF: VP-SDE beats Linear-ODE on the same sqrt grid (`ode-vp-grid`)", rbfVp,
                plan.ablationCell("ode-vp-grid")));
        claims.add(new Claim("RBF: VP-SDE beats Linear-SDE on the same sqrt grid (`linear-sde-adapt-time`)", rbfVp,
                plan.ablationCell("linear-sde-adapt-time")));
        for (String e : plan.estimates()) {
            claims.add(new Claim("RBF (VP-SDE): the model's default estimate vs " + e + " (accounting; no claim)", rbfVp,
                    plan.estimateCell("rbf", "vp-sde", e)));
        }
        Set<String> known = new LinkedHashSet<>();
        for (Cell c : plan.cells()) known.add(c.key());
        claims.removeIf(c -> !known.contains(c.a().key()) || !known.contains(c.b().key()));
        int k = claims.size();
        SignedRank[] rank = new SignedRank[k];
        PairedProportions[] table = new PairedProportions[k];
        double[] rankP = new double[k], mcnemarP = new double[k];
        for (int i = 0; i < k; i++) {
            double[][] r = pairedValues(claims.get(i).a(), claims.get(i).b(), Metric.REWARD);
            double[][] e = pairedValues(claims.get(i).a(), claims.get(i).b(), Metric.EXACT);
            rank[i] = r == null ? null : SignedRank.test(r[0], r[1]);
            table[i] = e == null ? null : PairedProportions.of(e[0], e[1]);
            rankP[i] = rank[i] == null ? Double.NaN : rank[i].p();
            mcnemarP[i] = table[i] == null ? Double.NaN : table[i].mcnemarExactP();
        }
        double[] rankHolm = Holm.adjust(rankP), mcnemarHolm = Holm.adjust(mcnemarP);
        md.append("## 5. The paper's claims, paired over prompts\n\n");
        md.append("Each row: the mean paired difference a − b over prompts (a is the side the paper finds better) with its 95 % CI,")
                .append(" at ").append(nfe).append(" NFE unless stated. Verdict on the " + (counting ? "counting" : "composition") + " reward: `yes` = CI above 0,")
                .append(" `reversed` = CI below 0, `not resolved` = CI contains 0.\n\n");
        md.append("The tests on the right are exact where they can be and corrected for the ").append(k)
                .append(" claims of this table by Holm's step-down method (family-wise error rate 5 %; the reward and the")
                .append(" accuracy are two families):\n\n")
                .append("- reward: Wilcoxon signed-rank test of the paired rewards, two-sided (zero differences dropped;")
                .append(" exact null distribution without ties for n ≤ ").append(SignedRank.EXACT_MAX_N)
                .append(", else the normal approximation with tie and continuity correction); `p (Holm p)`.\n")
                .append("- accuracy: Newcombe's (1998, method 10) 95 % interval of the paired accuracy difference and the exact McNemar")
                .append(" test (two-sided binomial test of the discordant prompts); `p (Holm p)`.\n")
                .append("- MDE: the smallest accuracy difference McNemar's test would detect with power 0.8 at α = 0.05 two-sided,")
                .append(" given the prompts and the claim's observed share ψ of discordant prompts (Connor 1987:")
                .append(" n = (z₀.₉₇₅√ψ + z₀.₈√(ψ − δ²))² / δ², solved for δ; a normal approximation, and ψ is estimated from the")
                .append(" same data, so it is a guide to the resolution, not a post-hoc power). `undetectable`: no difference up to ψ is.\n")
                .append("- Holm verdict: `yes` / `reversed` when the Holm-adjusted p is ≤ 0.05 (direction from the data), else `not resolved`.\n\n");
        md.append("| claim (a vs b) | Δ " + (counting ? "counting" : "composition") + " reward | Δ accuracy | Δ held-out | verdict | Wilcoxon p (Holm) | Δ accuracy, Newcombe 95 % |")
                .append(" McNemar exact p (Holm) | MDE accuracy (ψ) | Holm verdict: reward / accuracy |\n")
                .append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < k; i++) {
            Claim c = claims.get(i);
            MeanInterval r = pairedInterval(c.a(), c.b(), Metric.REWARD);
            String verdict = r == null || Double.isNaN(r.halfWidth()) ? "–"
                    : r.lower() > 0 ? "yes" : r.upper() < 0 ? "reversed" : "not resolved";
            md.append("| ").append(c.text()).append(" | ").append(paired(c.a(), c.b(), Metric.REWARD)).append(" | ")
                    .append(paired(c.a(), c.b(), Metric.EXACT)).append(" | ").append(paired(c.a(), c.b(), Metric.HELD_OUT))
                    .append(" | ").append(verdict).append(" | ");
            if (rank[i] == null) md.append("– | ");
            else md.append(pValue(rankP[i])).append(" (").append(pValue(rankHolm[i])).append(") | ");
            PairedProportions t = table[i];
            if (t == null) {
                md.append("– | – | – | ");
            } else {
                Proportion.Interval ni = t.newcombe(0.95);
                md.append(String.format(Locale.ROOT, "%+.3f [%+.3f, %+.3f] | ", t.difference(), ni.lower(), ni.upper()));
                md.append(pValue(mcnemarP[i])).append(" (").append(pValue(mcnemarHolm[i])).append(") | ");
                double mde = t.minimumDetectableDifference(0.05, 0.8);
                if (t.discordant() == 0) md.append("undetectable (ψ = 0) | ");
                else if (Double.isNaN(mde)) md.append(String.format(Locale.ROOT, "undetectable (ψ = %.3f) | ", t.discordance()));
                else md.append(String.format(Locale.ROOT, "%.3f (ψ = %.3f) | ", mde, t.discordance()));
            }
            String rewardVerdict = rank[i] == null ? "–" : holmVerdict(rankHolm[i], rank[i].tPlus() - rank[i].n() * (rank[i].n() + 1) / 4.0);
            String accuracyVerdict = t == null ? "–" : holmVerdict(mcnemarHolm[i], t.difference());
            md.append(rewardVerdict).append(" / ").append(accuracyVerdict).append(" |\n");
        }
        md.append('\n');
    }

    /** A metric's title in this run (the reward and its success rate are named after the reward searched). */
    private String title(Metric m) {
        return m == Metric.REWARD ? rewardTitle : m == Metric.EXACT ? accuracyTitle : m.title;
    }

    private static String holmVerdict(double adjustedP, double direction) {
        if (Double.isNaN(adjustedP) || adjustedP > 0.05 || direction == 0) return "not resolved";
        return direction > 0 ? "yes" : "reversed";
    }

    private static String pValue(double p) {
        if (Double.isNaN(p)) return "–";
        return p < 0.001 ? String.format(Locale.ROOT, "%.1e", p) : String.format(Locale.ROOT, "%.3f", p);
    }

    /** The paired values {a, b} of a metric over the prompts both cells have ok, non-NaN rows for; null if none. */
    private double[][] pairedValues(Cell c, Cell ref, Metric m) {
        Map<Integer, ResultRow> a = byCell.get(c.key()), b = byCell.get(ref.key());
        if (a == null || b == null) return null;
        List<double[]> pairs = new ArrayList<>();
        for (Map.Entry<Integer, ResultRow> e : a.entrySet()) {
            ResultRow rb = b.get(e.getKey());
            if (!e.getValue().ok() || rb == null || !rb.ok()) continue;
            double x = m.value.applyAsDouble(e.getValue()), y = m.value.applyAsDouble(rb);
            if (!Double.isNaN(x) && !Double.isNaN(y)) pairs.add(new double[] {x, y});
        }
        if (pairs.isEmpty()) return null;
        double[][] out = new double[2][pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            out[0][i] = pairs.get(i)[0];
            out[1][i] = pairs.get(i)[1];
        }
        return out;
    }

    /** The cell's accuracy as a proportion with its Wilson 95 % interval, marked like {@link #text} when incomplete. */
    private String wilson(Cell c) {
        Map<Integer, ResultRow> rows = byCell.get(c.key());
        if (rows == null || rows.isEmpty()) return "–";
        List<ResultRow> ok = okRows(c);
        if (ok.isEmpty()) return rows.values().iterator().next().status();
        double[] v = ok.stream().mapToDouble(Metric.EXACT.value).filter(x -> !Double.isNaN(x)).toArray();
        Proportion p = Proportion.of(v);
        String s = p.formatWilson(3);
        return p.n() < prompts.size() ? s + " [n=" + p.n() + "]" : s;
    }

    private String nfeNote(Cell c) {
        String n = meanNfe(c);
        return n.equals("–") ? "" : " (" + n + ")";
    }

    private String meanNfe(Cell c) {
        List<ResultRow> rows = okRows(c);
        if (rows.isEmpty()) return "–";
        double s = 0;
        for (ResultRow r : rows) s += r.nfe();
        double mean = s / rows.size();
        return mean == Math.rint(mean) ? Long.toString((long) mean) : String.format(Locale.ROOT, "%.1f", mean);
    }

    private String promptCount() {
        return prompts.size() + (prompts.size() == 1 ? " prompt" : " prompts");
    }

    static String paperName(String sampler) {
        return PAPER_NAMES.getOrDefault(sampler, sampler);
    }

    private static String capitalise(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }
}
