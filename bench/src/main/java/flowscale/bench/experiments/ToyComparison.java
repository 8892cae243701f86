package flowscale.bench.experiments;

import flowscale.loader.AtomicFile;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.AnalyticModels;
import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.reward.TargetModeReward;
import flowscale.runtime.search.SearchConfig;
import flowscale.runtime.search.SearchMethod;
import flowscale.runtime.search.SearchMethods;
import flowscale.runtime.search.SearchProblem;
import flowscale.runtime.search.SearchResult;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * The all-methods × all-samplers table on the toy GMM ({@code toy:gmm}, reward {@code mode}: negative distance
 * of the output to the rarest mode's centre): mean best reward ± 95 % CI over seeds 0..S−1 at a fixed budget,
 * NFE used, and the search's own share of the wall time (everything but velocity and reward calls; measured
 * after a warm-up pass). It lives in bench because it produces a RESULTS.md table; {@code ToyComparisonTest}
 * asserts the paired comparisons the table shows. Usage: {@code ToyComparison [seeds=200] [budget=500] [out.md|-] [model=toy:gmm]}.
 */
public final class ToyComparison {
    private ToyComparison() {}

    /** Best rewards of one method/sampler over seeds 0..seeds−1 (seed = index), with summed timings. */
    public record Column(double[] rewards, long nfe, long totalNanos, long searchNanos) {}

    public static Column run(String method, SearchConfig config, String sampler, int seeds, long budget) {
        return run("toy:gmm", method, config, sampler, seeds, budget);
    }

    /** As {@link #run(String, SearchConfig, String, int, long)} on a named mixture preset ({@code toy:gmm}, {@code toy:gmm-close}). */
    public static Column run(String modelSpec, String method, SearchConfig config, String sampler, int seeds, long budget) {
        double[] r = new double[seeds];
        long nfe = 0, total = 0, own = 0;
        SearchMethod m = SearchMethods.create(method, config);
        for (int seed = 0; seed < seeds; seed++) {
            GaussianMixtureModel model = (GaussianMixtureModel) AnalyticModels.named(modelSpec);
            TargetModeReward reward = new TargetModeReward(5, model.means()[5]);
            SearchResult res = m.run(new SearchProblem(model, Sampler.named(sampler), reward, budget, seed));
            r[seed] = res.bestReward();
            nfe = Math.max(nfe, res.trace().nfe());
            total += res.trace().timings().totalNanos();
            own += res.trace().timings().searchNanos();
        }
        return new Column(r, nfe, total, own);
    }

    public static void main(String[] args) throws IOException {
        int seeds = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        long budget = args.length > 1 ? Long.parseLong(args[1]) : 500;
        String spec = args.length > 3 ? args[3] : "toy:gmm";
        List<String> samplers = Sampler.names();
        List<String> methods = SearchMethods.names();
        for (String s : samplers) run(spec, "rbf", SearchConfig.defaults(), s, Math.min(seeds, 20), budget); // JIT warm-up
        StringBuilder md = new StringBuilder();
        md.append("Model `").append(spec).append("`. Mean best reward (−distance to the rarest mode's centre, higher is better) ± 95% CI over ")
                .append(seeds).append(" seeds, budget ").append(budget).append(" NFE, M = 10; cell: mean ± CI (NFE used).\n\n");
        md.append("| method |");
        for (String s : samplers) md.append(' ').append(s).append(" |");
        md.append("\n|---|");
        for (int i = 0; i < samplers.size(); i++) md.append("---|");
        md.append('\n');
        double[] bonOde = null;
        long allTotal = 0, allOwn = 0;
        StringBuilder shares = new StringBuilder();
        double[][][] keep = new double[methods.size()][samplers.size()][];
        for (int mi = 0; mi < methods.size(); mi++) {
            String method = methods.get(mi);
            md.append("| ").append(method).append(" |");
            long mTotal = 0, mOwn = 0;
            for (int si = 0; si < samplers.size(); si++) {
                Column c = run(spec, method, SearchConfig.defaults(), samplers.get(si), seeds, budget);
                keep[mi][si] = c.rewards();
                MeanInterval st = MeanInterval.of(c.rewards());
                md.append(String.format(" %.3f ± %.3f (%d) |", st.mean(), st.halfWidth(), c.nfe()));
                mTotal += c.totalNanos();
                mOwn += c.searchNanos();
                if (method.equals("bon") && samplers.get(si).equals("ode")) bonOde = c.rewards();
            }
            md.append('\n');
            allTotal += mTotal;
            allOwn += mOwn;
            shares.append(String.format("| %s | %.1f%% | %.3f |%n", method, 100.0 * mOwn / Math.max(1, mTotal),
                    mTotal / 1e6 / (seeds * samplers.size())));
        }
        md.append("\nPaired difference to BoN under `ode` (same seeds), mean ± 95% CI:\n\n| method |");
        for (String s : samplers) md.append(' ').append(s).append(" |");
        md.append("\n|---|");
        for (int i = 0; i < samplers.size(); i++) md.append("---|");
        md.append('\n');
        for (int mi = 0; mi < methods.size(); mi++) {
            md.append("| ").append(methods.get(mi)).append(" |");
            for (int si = 0; si < samplers.size(); si++) {
                MeanInterval d = MeanInterval.ofDifferences(keep[mi][si], bonOde);
                md.append(String.format(" %+.3f ± %.3f |", d.mean(), d.halfWidth()));
            }
            md.append('\n');
        }
        md.append("\nSearch's own share of the wall time (all samplers; the analytic model is cheap, so this is an upper bound"
                + " of what the search costs next to a real network):\n\n| method | search share | mean ms per run |\n|---|---|---|\n");
        md.append(shares);
        md.append(String.format("%nAll runs: search share %.1f%%.%n", 100.0 * allOwn / Math.max(1, allTotal)));
        PrintStream o = System.out;
        o.print(md);
        if (args.length > 2 && !args[2].equals("-")) AtomicFile.writeString(Path.of(args[2]), md.toString());
    }
}
