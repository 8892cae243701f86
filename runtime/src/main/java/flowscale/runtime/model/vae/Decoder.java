package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * BFL's {@code Decoder}: conv_in, mid (block_1, attn_1, block_2), the up levels from coarsest to finest
 * (res blocks, then a 2x upsample on every level but the finest), norm_out, SiLU, conv_out. Fields are
 * named after the checkpoint's modules.
 */
final class Decoder {
    private final Conv2d convIn;
    private final ResnetBlock midBlock1, midBlock2;
    private final AttnBlock midAttn1;
    /** up[level].block[i], finest level first as in the checkpoint. */
    private final List<List<ResnetBlock>> upBlocks = new ArrayList<>();
    /** up[level].upsample, null on level 0. */
    private final List<Upsample> upSamples = new ArrayList<>();
    private final GroupNorm normOut;
    private final Conv2d convOut;

    Decoder(VaeCheckpoint ckpt, Backend backend) {
        VaeConfig c = ckpt.config();
        int top = c.topChannels();
        convIn = Conv2d.load(ckpt, backend, "decoder.conv_in", top, c.latentChannels(), 3);
        midBlock1 = ResnetBlock.load(ckpt, backend, "decoder.mid.block_1", top, top);
        midAttn1 = AttnBlock.load(ckpt, backend, "decoder.mid.attn_1", top);
        midBlock2 = ResnetBlock.load(ckpt, backend, "decoder.mid.block_2", top, top);
        for (int level = 0; level < c.levels(); level++) {
            upBlocks.add(null);
            upSamples.add(null);
        }
        int in = top;
        for (int level = c.levels() - 1; level >= 0; level--) {
            List<ResnetBlock> blocks = new ArrayList<>();
            for (int i = 0; i < c.decoderBlocks(); i++) {
                blocks.add(ResnetBlock.load(ckpt, backend, "decoder.up." + level + ".block." + i, in, c.channels(level)));
                in = c.channels(level);
            }
            upBlocks.set(level, blocks);
            if (level != 0) upSamples.set(level, Upsample.load(ckpt, backend, "decoder.up." + level + ".upsample", in));
        }
        normOut = GroupNorm.load(ckpt, backend, "decoder.norm_out", in);
        convOut = Conv2d.load(ckpt, backend, "decoder.conv_out", c.outChannels(), in, 3);
    }

    /**
     * Decodes un-scaled latents {@code z [B, zc, h, w]} into {@code image [B, out, h*f, w*f]}; {@code probe}
     * (may be null) sees the output of each module named by its BFL path, while it is valid.
     */
    void forward(Backend backend, Tensor z, Buffers buf, Tensor image, BiConsumer<String, Tensor> probe) {
        long b = z.dim(0);
        Tensor h = Buffers.image(buf.activation, b, convIn.weight().outChannels(), z.dim(2), z.dim(3));
        convIn.forward(backend, z, h);
        report(probe, "decoder.conv_in", h);
        h = midBlock1.forward(backend, h, buf);
        report(probe, "decoder.mid.block_1", h);
        h = midAttn1.forward(backend, h, buf);
        report(probe, "decoder.mid.attn_1", h);
        h = midBlock2.forward(backend, h, buf);
        report(probe, "decoder.mid.block_2", h);
        for (int level = upBlocks.size() - 1; level >= 0; level--) {
            List<ResnetBlock> blocks = upBlocks.get(level);
            for (int i = 0; i < blocks.size(); i++) {
                h = blocks.get(i).forward(backend, h, buf);
                report(probe, "decoder.up." + level + ".block." + i, h);
            }
            if (upSamples.get(level) != null) {
                h = upSamples.get(level).forward(backend, h, buf);
                report(probe, "decoder.up." + level + ".upsample", h);
            }
        }
        Tensor normed = Buffers.image(buf.scratch1, b, h.dim(1), h.dim(2), h.dim(3));
        normOut.forward(backend, h, normed);
        backend.silu(normed, normed);
        convOut.forward(backend, normed, image);
    }

    private static void report(BiConsumer<String, Tensor> probe, String module, Tensor t) {
        if (probe != null) probe.accept(module, t);
    }
}
