/**
 * Reward-guided search over the samples of a flow model under an exact NFE budget (method.md §5).
 *
 * <p>Entry points: {@link flowscale.runtime.search.SearchMethods#create(String, SearchConfig)} gives a
 * {@link flowscale.runtime.search.SearchMethod} ({@code none, bon, sop, smc, code, svdd, rbf}) whose
 * {@code run(SearchProblem)} returns a {@link flowscale.runtime.search.SearchResult} with its
 * {@link flowscale.runtime.search.Trace} ({@link flowscale.runtime.search.TraceJson} writes it).
 *
 * <p>Each method's settings are declared once, as the components of its settings record (e.g.
 * {@link flowscale.runtime.search.RolloverBudgetForcingSettings}) annotated with
 * {@link flowscale.runtime.search.Setting}: default, allowed range, meaning.
 * {@link flowscale.runtime.search.SettingsSchema} derives from it the parsing of {@code --search-opt key=value},
 * the help text ({@link flowscale.runtime.search.SearchMethods#help()}) and the {@code settings} the trace records.
 *
 * <p>Conventions shared by every method:
 * <ul>
 *   <li>Budget: one NFE is one latent evaluation times {@code nfePerLatent()}; a method plans in latent
 *       evaluations ({@code budget / nfePerLatent}), checks the plan before spending anything
 *       (IllegalArgumentException naming the minimum), and every model call is checked against the budget and
 *       against the model's own counter. Reward calls are counted apart.</li>
 *   <li>Batching: each iteration evaluates every particle that needs a velocity in ONE
 *       {@code Sampler.velocity} call, each particle at its own sampling time.</li>
 *   <li>Time: the sampler's own path and grid; nothing is evaluated at s = 0; outputs are clean estimates at
 *       the last evaluated time (s_{M-1} for grid-based methods): Tweedie, or a few-step model's one-step estimate
 *       ({@link flowscale.runtime.flow.Estimate}; a faithful one costs two latent evaluations per estimate, and
 *       the methods plan with that cost).</li>
 *   <li>Noise: a pure function of (seed, prompt, purpose, particle, level, candidate), see
 *       {@link flowscale.runtime.search.NoiseStreams}; results do not depend on batch splitting.</li>
 *   <li>Non-finite estimates never reach the reward; they and non-finite rewards count as negative infinity and
 *       are never selected, accepted or resampled; the trace counts them.</li>
 *   <li>Ties: every argmax keeps the first maximum.</li>
 * </ul>
 */
package flowscale.runtime.search;
