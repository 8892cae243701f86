/**
 * What the text encoders FLUX conditions on (CLIP-L in {@code flowscale.runtime.model.clip}, T5 in
 * {@code flowscale.runtime.model.t5}) share: the transformers model folder ({@code config.json} with one or
 * sharded safetensors files), the exact key check, the weight binder and the memory plan.
 */
package flowscale.runtime.model.text;
