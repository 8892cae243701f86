package flowscale.runtime.search;

/**
 * A reward-guided search over the samples of a flow model under a total NFE budget. Implementations never
 * spend more than {@link SearchProblem#budget()} NFE and throw IllegalArgumentException when the budget is
 * too small for their parameters. Same problem (seed included) gives a bit-identical result.
 */
public interface SearchMethod {
    /** Name as given on the command line, e.g. {@code rbf}. */
    String name();

    SearchResult run(SearchProblem problem);
}
