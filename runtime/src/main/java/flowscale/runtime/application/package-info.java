/**
 * The application layer: what a run needs besides the search itself, shared by the CLI, bench's experiment
 * harness and the Spark module. {@link flowscale.runtime.application.ModelSources} opens a {@code --model}
 * value (the analytic toys, DiT checkpoints) as a {@link flowscale.runtime.application.LoadedModel} with its
 * rewards and outputs; {@link flowscale.runtime.application.ModelOptions} says how (backend, devices, guidance);
 * {@link flowscale.runtime.application.PromptsFile} reads a prompt list; {@link flowscale.runtime.application.DefaultModel}
 * finds the shipped checkpoint. Nothing here knows picocli: options arrive as values, bad ones leave as
 * {@link flowscale.runtime.UserError}.
 *
 * <p>It sits between {@code cli} above and {@code search}, {@code train}, {@code report}, {@code reward},
 * {@code data} below ({@code flowscale.runtime.LayeringTest} enforces the direction).
 */
package flowscale.runtime.application;
