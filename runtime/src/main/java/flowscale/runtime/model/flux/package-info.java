/**
 * The FLUX.1 transformer family (Black Forest Labs' {@code flux/model.py}): checkpoint recognition and
 * configuration ({@link flowscale.runtime.model.flux.FluxCheckpoint}), the declared tensors
 * ({@link flowscale.runtime.model.flux.FluxParameters}) and their key map per layout
 * ({@link flowscale.runtime.model.flux.FluxKeyMap}: BFL, ComfyUI's prefixed BFL, diffusers), the weights bound in
 * their stored dtype ({@link flowscale.runtime.model.flux.FluxWeights}), the blocks named as BFL names them
 * ({@code DoubleStreamBlock}, {@code SingleStreamBlock}, {@code LastLayer}), the network
 * ({@link flowscale.runtime.model.flux.FluxTransformer}), its memory plan, and the
 * {@link flowscale.runtime.model.VelocityModel} the samplers see ({@link flowscale.runtime.model.flux.FluxVelocityModel}).
 *
 * <p>Verified against BFL's reference outputs on small random models with the real key layouts (the test
 * resources' {@code flux/} fixtures), not on the released weights, which cannot be obtained here.
 */
package flowscale.runtime.model.flux;
