/**
 * Flow math for inference-time scaling (method.md §1-4): interpolants with exact derivatives
 * ({@link flowscale.runtime.flow.LinearInterpolant}, {@link flowscale.runtime.flow.VpInterpolant},
 * {@link flowscale.runtime.flow.PolynomialInterpolant}, {@link flowscale.runtime.flow.CosineInterpolant}),
 * the velocity/score/noise/clean conversions ({@link flowscale.runtime.flow.Conversions}), interpolant
 * conversion from the model's linear path ({@link flowscale.runtime.flow.PathConversion}), and the samplers
 * ({@link flowscale.runtime.flow.Sampler}, {@link flowscale.runtime.flow.SamplingLoop}).
 *
 * <p>Time convention everywhere: t, s in [0, 1], 0 = data, 1 = noise; generation runs from 1 to 0. Models speak
 * the linear path at linear time t; a sampler runs on its own path at sampling time s and converts. Scalar
 * coefficients are computed in double, latents are float. Nothing is evaluated at or below
 * {@link flowscale.runtime.flow.TimeGuard#S_MIN}; a generated sample is the Tweedie estimate at the last non-zero
 * grid time.
 */
package flowscale.runtime.flow;
