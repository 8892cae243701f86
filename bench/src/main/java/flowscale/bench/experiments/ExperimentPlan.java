package flowscale.bench.experiments;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What to run: the cells of the four sections (methods x samplers, NFE scaling, interpolant-conversion
 * ablation, time split of the main job). Sections share cells (e.g. RBF with vp-sde at 500 NFE is in all
 * four); {@link #cells()} lists each once, in the order they run for each prompt.
 *
 * @param mainBudget    the budget of the methods table, the ablation and the time split
 * @param methods       search methods of the methods table (the base model {@code none} is added as a row)
 * @param samplers      samplers of the methods table
 * @param scaling       the (method, sampler) lines of the NFE-scaling section
 * @param budgets       the budgets of the NFE-scaling section
 * @param ablation      samplers of the RBF interpolant-conversion ablation; {@code ode-vp-grid} and
 *                      {@code linear-sde-adapt-time} are the grid-matched controls of issue 19 (Linear-ODE and
 *                      Linear-SDE on the VP runs' sqrt grid), so that "VP vs Linear" is not confounded with where the
 *                      last jump starts
 * @param estimates     clean-estimate modes RBF (VP-SDE) also runs with at the main budget, beside the model's default
 *                      ({@code auto}); a model without a one-step estimate marks them n/a
 */
public record ExperimentPlan(String name, long mainBudget, List<String> methods, List<String> samplers,
                             List<Line> scaling, List<Long> budgets, List<String> ablation, List<String> estimates) {

    /** A (method, sampler) pair of the scaling plot. */
    public record Line(String method, String sampler) {
        public String label() {
            return method + " " + sampler;
        }
    }

    /** Samplers of the paper's comparison: Linear-ODE, Linear-SDE, VP-SDE. */
    static final List<String> PAPER_SAMPLERS = List.of("ode", "linear-sde", "vp-sde");
    /** Rows of the paper's conversion ablation (v5 Table 1), Linear-ODE first. */
    static final List<String> ABLATION_SAMPLERS =
            List.of("ode", "linear-sde", "linear-sde-adapt-time", "linear-sde-adapt-diff", "vp-sde");
    /** The scaling lines of the paper (v5 Tables 4/5): BoN with Linear-ODE and VP-SDE, RBF with VP-SDE. */
    static final List<Line> PAPER_SCALING =
            List.of(new Line("bon", "ode"), new Line("bon", "vp-sde"), new Line("rbf", "vp-sde"));

    public ExperimentPlan {
        methods = List.copyOf(methods);
        samplers = List.copyOf(samplers);
        scaling = List.copyOf(scaling);
        budgets = List.copyOf(budgets);
        ablation = List.copyOf(ablation);
        estimates = List.copyOf(estimates);
    }

    /** Every method x Linear-ODE/SDE and VP-SDE at 500 NFE, budgets 50..1000, the full ablation. */
    public static ExperimentPlan full() {
        return new ExperimentPlan("full", 500, List.of("bon", "sop", "smc", "code", "svdd", "rbf"), PAPER_SAMPLERS,
                PAPER_SCALING, List.of(50L, 100L, 300L, 500L, 1000L), ABLATION_SAMPLERS, List.of());
    }

    /**
     * The cells the paper's claims compare, sized to run on a few hundred prompts on 2 cores: BoN and RBF x Linear-ODE,
     * Linear-SDE and VP-SDE at 500 NFE (with the base model), BoN (Linear-ODE) and RBF (VP-SDE) at 100 NFE as well,
     * the two grid-matched controls of VP vs Linear (Linear-ODE and Linear-SDE on the VP runs' sqrt grid), and RBF
     * with the faithful-SDE one-step estimate beside the model's default. 4,730 NFE per prompt.
     */
    public static ExperimentPlan claims() {
        return new ExperimentPlan("claims", 500, List.of("bon", "rbf"), PAPER_SAMPLERS,
                List.of(new Line("bon", "ode"), new Line("rbf", "vp-sde")), List.of(100L, 500L),
                List.of("ode", "ode-vp-grid", "linear-sde", "linear-sde-adapt-time", "vp-sde"), List.of("faithful"));
    }

    /** A slice that exercises every section: BoN and RBF x ode and vp-sde at 100 NFE, budgets 50 and 100. */
    public static ExperimentPlan quick() {
        return new ExperimentPlan("quick", 100, List.of("bon", "rbf"), List.of("ode", "vp-sde"),
                PAPER_SCALING, List.of(50L, 100L), ABLATION_SAMPLERS, List.of());
    }

    /** The plan called {@code name}: full, claims or quick. */
    public static ExperimentPlan named(String name) {
        return switch (name) {
            case "full" -> full();
            case "claims" -> claims();
            case "quick" -> quick();
            default -> throw new IllegalArgumentException("unknown plan '" + name + "'; known: full, claims, quick");
        };
    }

    /** The base model without search: one ODE/SDE sample per sampler. */
    public Cell base(String sampler) {
        return Cell.of("none", sampler, mainBudget);
    }

    public Cell methodCell(String method, String sampler) {
        return Cell.of(method, sampler, mainBudget);
    }

    public Cell scalingCell(Line line, long budget) {
        return Cell.of(line.method(), line.sampler(), budget);
    }

    public Cell ablationCell(String sampler) {
        return Cell.of("rbf", sampler, mainBudget);
    }

    /** {@code method} with {@code sampler} at the main budget, its clean estimate forced to {@code estimate}. */
    public Cell estimateCell(String method, String sampler, String estimate) {
        return methodCell(method, sampler).with("estimate", estimate);
    }

    /** The default main job (RBF, vp-sde, counting) at this plan's main budget. */
    public Cell mainJob() {
        return Cell.of("rbf", "vp-sde", mainBudget);
    }

    /** Every distinct cell, in run order: methods table, scaling, ablation, main job. */
    public List<Cell> cells() {
        Set<Cell> out = new LinkedHashSet<>();
        for (String s : samplers) out.add(base(s));
        for (String m : methods) for (String s : samplers) out.add(methodCell(m, s));
        for (Line l : scaling) for (long b : budgets) out.add(scalingCell(l, b));
        for (String s : ablation) out.add(ablationCell(s));
        for (String e : estimates) out.add(estimateCell("rbf", "vp-sde", e));
        out.add(mainJob());
        return new ArrayList<>(out);
    }
}
