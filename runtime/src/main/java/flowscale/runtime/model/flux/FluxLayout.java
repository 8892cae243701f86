package flowscale.runtime.model.flux;

/** The checkpoint layouts a FLUX.1 transformer ships in. */
public enum FluxLayout {
    /**
     * Black Forest Labs' single file ({@code flux1-schnell.safetensors}): {@code double_blocks.N...},
     * q, k and v fused into one {@code qkv}; ComfyUI saves the same names under {@code model.diffusion_model.}.
     */
    BFL,
    /**
     * diffusers' {@code FluxTransformer2DModel} folder: {@code config.json} and one file or shards;
     * {@code transformer_blocks.N...}, q, k, v apart, and the final modulation as (scale, shift).
     */
    DIFFUSERS
}
