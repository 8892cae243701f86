package flowscale.runtime.train;

import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.ConditionEmbedder;
import flowscale.runtime.model.DiTBlock;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.model.PositionEmbedding;
import flowscale.runtime.model.TimestepEmbedder;

/**
 * The DiT's forward pass with every activation the backward needs kept, and the backward pass itself, for a
 * fixed training batch size, over the parameters of a {@link ParameterSet}. It computes exactly what
 * {@link flowscale.runtime.model.DiT} computes (same ops, same order, same host condition embedding), so
 * weights trained here load into the inference model unchanged.
 *
 * <p>The loss is the flow-matching mean squared error {@code mean((u(x_t, t, c) - target)^2)} over every
 * element of the batch. Linear layers run as {@code gemm(x, W^T)} plus a broadcast bias on the unpacked
 * weights, so the optimiser can update the weights in place between steps with nothing to repack.
 * Activation and gradient buffers are allocated once in the constructor; a step allocates only host arrays
 * for the (tiny) condition tables.
 */
public final class TrainableDiT {
    private final ParameterSet p;
    private final TrainingBackend be;
    private final DiTConfig cfg;
    private final int batch, d, g, tokens, seq, rows, hidden, heads, patchFeatures, depth;
    private final float attentionScale;
    private final float eps = DiTBlock.LN_EPS;
    private final Tensor positionTable;

    // forward, shared
    private final Tensor image, patches, targetPatches, tokensOut, tFreq, tHidPre, tHid, tEmb;
    private final Tensor pooled, yHidPre, yHid, yEmb, c, siluC;
    /** Block inputs: {@code xs[i]} enters block i, {@code xs[depth]} enters the final layer. */
    private final Tensor[] xs;
    private final BlockState[] blocks;
    private final Tensor fMod, fh, fm, fmImage, outPatches;
    // backward, shared
    private final Tensor dX, dy, dHidden, dm, dNorm, dAtt, dqkv, dMod, dSiluC, dSiluTmp, dfMod, dPatches;
    private final Tensor dfmImage, dTokens, dCondTokens, dc, dHid, dPooled;
    private final float[] hostTimesteps;
    private final float[] hostCondTokens, hostPooled, hostDCond, hostDPooled;
    private Condition[] conditions;

    /** What one block keeps from its forward pass. */
    private static final class BlockState {
        final Tensor mod, h1, m1, qkv, att, y1, x1, h2, m2, a, gelu, y2;

        BlockState(TrainingBackend be, int batch, int rows, int d, int hidden) {
            mod = be.allocate(batch, 6L * d);
            h1 = be.allocate(rows, d);
            m1 = be.allocate(rows, d);
            qkv = be.allocate(rows, 3L * d);
            att = be.allocate(rows, d);
            y1 = be.allocate(rows, d);
            x1 = be.allocate(rows, d);
            h2 = be.allocate(rows, d);
            m2 = be.allocate(rows, d);
            a = be.allocate(rows, hidden);
            gelu = be.allocate(rows, hidden);
            y2 = be.allocate(rows, d);
        }

        Tensor chunk(int i, int d) { return mod.colRange((long) i * d, d); }
    }

    public TrainableDiT(ParameterSet parameters, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch size " + batch + " must be at least 1");
        this.p = parameters;
        this.be = parameters.backend();
        this.cfg = parameters.config();
        this.batch = batch;
        this.d = cfg.hiddenSize();
        this.g = cfg.maxGroups();
        this.tokens = cfg.imageTokens();
        this.seq = cfg.sequenceLength();
        this.rows = batch * seq;
        this.hidden = cfg.mlpHidden();
        this.heads = cfg.numHeads();
        this.patchFeatures = cfg.patchFeatures();
        this.depth = cfg.depth();
        this.attentionScale = (float) (1.0 / Math.sqrt(cfg.headDim()));
        this.positionTable = be.upload(PositionEmbedding.table(cfg.gridSize(), d), tokens, d);

        int bt = batch * tokens;
        image = be.allocate(batch, cfg.inChannels(), cfg.imageSize(), cfg.imageSize());
        patches = be.allocate(bt, patchFeatures);
        targetPatches = be.allocate(bt, patchFeatures);
        tokensOut = be.allocate(bt, d);
        tFreq = be.allocate(batch, cfg.frequencyEmbeddingSize());
        tHidPre = be.allocate(batch, d);
        tHid = be.allocate(batch, d);
        tEmb = be.allocate(batch, d);
        pooled = be.allocate(batch, d);
        yHidPre = be.allocate(batch, d);
        yHid = be.allocate(batch, d);
        yEmb = be.allocate(batch, d);
        c = be.allocate(batch, d);
        siluC = be.allocate(batch, d);
        xs = new Tensor[depth + 1];
        for (int i = 0; i <= depth; i++) xs[i] = be.allocate(rows, d);
        blocks = new BlockState[depth];
        for (int i = 0; i < depth; i++) blocks[i] = new BlockState(be, batch, rows, d, hidden);
        fMod = be.allocate(batch, 2L * d);
        fh = be.allocate(rows, d);
        fm = be.allocate(rows, d);
        fmImage = be.allocate(bt, d);
        outPatches = be.allocate(bt, patchFeatures);

        dX = be.allocate(rows, d);
        dy = be.allocate(rows, d);
        dHidden = be.allocate(rows, hidden);
        dm = be.allocate(rows, d);
        dNorm = be.allocate(rows, d);
        dAtt = be.allocate(rows, d);
        dqkv = be.allocate(rows, 3L * d);
        dMod = be.allocate(batch, 6L * d);
        dSiluC = be.allocate(batch, d);
        dSiluTmp = be.allocate(batch, d);
        dfMod = be.allocate(batch, 2L * d);
        dPatches = be.allocate(bt, patchFeatures);
        dfmImage = be.allocate(bt, d);
        dTokens = be.allocate(bt, d);
        dCondTokens = be.allocate((long) batch * g, d);
        dc = be.allocate(batch, d);
        dHid = be.allocate(batch, d);
        dPooled = be.allocate(batch, d);
        hostTimesteps = new float[batch];
        hostCondTokens = new float[batch * g * d];
        hostPooled = new float[batch * d];
        hostDCond = new float[batch * g * d];
        hostDPooled = new float[batch * d];
    }

    public int batchSize() { return batch; }

    public ParameterSet parameters() { return p; }

    /**
     * One forward and backward pass: {@code xt} are the noisy inputs {@code [B, C*H*W]} (host, concatenated),
     * {@code t} the flow times in [0, 1], {@code cond} the conditions ({@link Condition#NONE} for dropped ones),
     * {@code target} the velocity targets. Adds the loss gradient to {@code parameters().grads} (the caller
     * zeroes it between optimiser steps) and returns the loss.
     */
    public double lossAndGradient(float[] xt, double[] t, Condition[] cond, float[] target) {
        int floats = cfg.imageFloats();
        if (xt.length != batch * floats || target.length != batch * floats || t.length != batch || cond.length != batch) {
            throw new IllegalArgumentException("training batch of " + batch + " needs " + batch * floats + " floats per image array and "
                    + batch + " times and conditions");
        }
        double loss = forward(xt, t, cond, target);
        backward();
        return loss;
    }

    // ------------------------------------------------------------------------------------------ forward

    private double forward(float[] xt, double[] t, Condition[] cond, float[] target) {
        this.conditions = cond;
        int size = cfg.imageSize(), ch = cfg.inChannels(), patch = cfg.patchSize();
        be.upload(target, 0, image);
        be.patchify(image, ch, size, size, patch, targetPatches);
        be.upload(xt, 0, image);
        be.patchify(image, ch, size, size, patch, patches);

        for (int b = 0; b < batch; b++) hostTimesteps[b] = (float) (t[b] * TimestepEmbedder.TIME_SCALE);
        be.timestepEmbedding(hostTimesteps, TimestepEmbedder.MAX_PERIOD, tFreq);
        linear(tFreq, "t_embedder.mlp.0", tHidPre);
        be.silu(tHidPre, tHid);
        linear(tHid, "t_embedder.mlp.2", tEmb);

        embedConditions(cond);
        be.upload(hostPooled, 0, pooled);
        linear(pooled, "y_embedder.mlp.0", yHidPre);
        be.silu(yHidPre, yHid);
        linear(yHid, "y_embedder.mlp.2", yEmb);
        be.axpby(1f, tEmb, 1f, yEmb, c);
        be.silu(c, siluC);

        Tensor x0 = xs[0];
        be.upload(hostCondTokens, 0, conditionPart(x0));
        linear(patches, "x_embedder.proj", tokensOut);
        be.addBroadcastRows(tokensOut, positionTable, tokensOut);
        be.copy(tokensOut.reshape(batch, tokens, d), imagePart(x0));

        for (int i = 0; i < depth; i++) blockForward(i);

        linear(siluC, "final_layer.adaLN_modulation.1", fMod);
        be.layerNorm(xs[depth], null, null, eps, fh);
        be.modulate(fh, fMod.colRange(0, d), fMod.colRange(d, d), seq, fm);
        be.copy(imagePart(fm), fmImage.reshape(batch, tokens, d));
        linear(fmImage, "final_layer.linear", outPatches);

        // dPatches = 2 (u - target) / N; the loss is the mean square of the difference.
        long n = outPatches.size();
        be.axpby(1f, outPatches, -1f, targetPatches, dPatches);
        double rms = be.norm2(dPatches);
        be.scale(dPatches, (float) (2.0 / n));
        return rms * rms / n;
    }

    private void blockForward(int i) {
        BlockState s = blocks[i];
        String k = "blocks." + i + ".";
        Tensor x = xs[i];
        linear(siluC, k + "adaLN_modulation.1", s.mod);
        be.layerNorm(x, null, null, eps, s.h1);
        be.modulate(s.h1, s.chunk(0, d), s.chunk(1, d), seq, s.m1);
        linear(s.m1, k + "attn.qkv", s.qkv);
        be.attention(q(s.qkv), kk(s.qkv), v(s.qkv), batch, seq, heads, attentionScale, s.att);
        linear(s.att, k + "attn.proj", s.y1);
        be.copy(x, s.x1);
        be.gatedAdd(s.x1, s.y1, s.chunk(2, d), seq);
        be.layerNorm(s.x1, null, null, eps, s.h2);
        be.modulate(s.h2, s.chunk(3, d), s.chunk(4, d), seq, s.m2);
        linear(s.m2, k + "mlp.fc1", s.a);
        be.gelu(s.a, s.gelu);
        linear(s.gelu, k + "mlp.fc2", s.y2);
        be.copy(s.x1, xs[i + 1]);
        be.gatedAdd(xs[i + 1], s.y2, s.chunk(5, d), seq);
    }

    /** {@code out = x W^T + b} on the unpacked weights. */
    private void linear(Tensor x, String prefix, Tensor out) {
        be.gemm(false, true, 1f, x, p.view(p.params, prefix + ".weight"), 0f, out);
        Tensor bias = p.view(p.params, prefix + ".bias");
        be.addBroadcastRows(out, bias.reshape(1, bias.size()), out);
    }

    // ------------------------------------------------------------------------------------------ backward

    private void backward() {
        // final layer: dPatches holds dL/du in patch layout
        linearBackward(fmImage, "final_layer.linear", dPatches, dfmImage);
        be.fill(dm, 0f);
        be.copy(dfmImage.reshape(batch, tokens, d), imagePart(dm));
        be.fill(dfMod, 0f);
        be.modulateBackward(fh, fMod.colRange(d, d), dm, seq, dm, dfMod.colRange(0, d), dfMod.colRange(d, d));
        be.layerNormBackward(xs[depth], null, eps, dm, dX, null, null);
        linearBackward(siluC, "final_layer.adaLN_modulation.1", dfMod, dSiluC);

        for (int i = depth - 1; i >= 0; i--) blockBackward(i);

        // embeddings: dX now holds dL/d(block 0 input)
        be.copy(imagePart(dX), dTokens.reshape(batch, tokens, d));
        linearBackward(patches, "x_embedder.proj", dTokens, null);
        be.copy(conditionPart(dX), dCondTokens.reshape(batch, g, d));

        be.siluBackward(c, dSiluC, dc);
        linearBackward(tHid, "t_embedder.mlp.2", dc, dHid);
        be.siluBackward(tHidPre, dHid, dHid);
        linearBackward(tFreq, "t_embedder.mlp.0", dHid, null);
        linearBackward(yHid, "y_embedder.mlp.2", dc, dHid);
        be.siluBackward(yHidPre, dHid, dHid);
        linearBackward(pooled, "y_embedder.mlp.0", dHid, dPooled);
        conditionTableGradients();
    }

    private void blockBackward(int i) {
        BlockState s = blocks[i];
        String k = "blocks." + i + ".";
        be.fill(dMod, 0f);
        Tensor dmodChunk5 = dMod.colRange(5L * d, d);
        be.gatedAddBackward(s.y2, s.chunk(5, d), dX, seq, dy, dmodChunk5);
        linearBackward(s.gelu, k + "mlp.fc2", dy, dHidden);
        be.geluBackward(s.a, dHidden, dHidden);
        linearBackward(s.m2, k + "mlp.fc1", dHidden, dm);
        be.modulateBackward(s.h2, s.chunk(4, d), dm, seq, dm, dMod.colRange(3L * d, d), dMod.colRange(4L * d, d));
        be.layerNormBackward(s.x1, null, eps, dm, dNorm, null, null);
        be.axpby(1f, dX, 1f, dNorm, dX);

        be.gatedAddBackward(s.y1, s.chunk(2, d), dX, seq, dy, dMod.colRange(2L * d, d));
        linearBackward(s.att, k + "attn.proj", dy, dAtt);
        be.attentionBackward(q(s.qkv), kk(s.qkv), v(s.qkv), s.att, dAtt, batch, seq, heads, attentionScale,
                q(dqkv), kk(dqkv), v(dqkv));
        linearBackward(s.m1, k + "attn.qkv", dqkv, dm);
        be.modulateBackward(s.h1, s.chunk(1, d), dm, seq, dm, dMod.colRange(0, d), dMod.colRange(d, d));
        be.layerNormBackward(xs[i], null, eps, dm, dNorm, null, null);
        be.axpby(1f, dX, 1f, dNorm, dX);

        linearBackward(siluC, k + "adaLN_modulation.1", dMod, dSiluTmp);
        be.axpby(1f, dSiluC, 1f, dSiluTmp, dSiluC);
    }

    /** Weight and bias gradients accumulate into {@code grads}; {@code dx} (when not null) is overwritten. */
    private void linearBackward(Tensor x, String prefix, Tensor dOut, Tensor dx) {
        be.linearBackward(x, p.view(p.params, prefix + ".weight"), dOut, dx,
                p.view(p.grads, prefix + ".weight"), p.view(p.grads, prefix + ".bias"));
    }

    // ------------------------------------------------------------------------------------------ conditions

    private float[] count, colour, shape, slot, nul;

    /** Token and pooled vectors of the batch's conditions from the current tables, as the inference model embeds them. */
    private void embedConditions(Condition[] cond) {
        count = hostParam("cond_embedder.count.weight");
        colour = hostParam("cond_embedder.colour.weight");
        shape = hostParam("cond_embedder.shape.weight");
        slot = hostParam("cond_embedder.slot.weight");
        nul = hostParam("cond_embedder.null.weight");
        for (int b = 0; b < batch; b++) {
            float[] e = ConditionEmbedder.embed(cfg, count, colour, shape, slot, nul, cond[b]);
            System.arraycopy(e, 0, hostCondTokens, b * g * d, g * d);
            System.arraycopy(e, g * d, hostPooled, b * d, d);
        }
    }

    private float[] hostParam(String name) {
        Tensor view = p.view(p.params, name);
        float[] out = new float[Math.toIntExact(view.size())];
        be.download(view, out, 0);
        return out;
    }

    /**
     * Every slot token is {@code sum of its table rows}; the pooled vector is their mean. So a table row used
     * by slot {@code s} of item {@code b} receives {@code dToken[b, s] + dPooled[b] / G}.
     */
    private void conditionTableGradients() {
        be.download(dCondTokens, hostDCond, 0);
        be.download(dPooled, hostDPooled, 0);
        double[] dCount = new double[count.length], dColour = new double[colour.length], dShape = new double[shape.length];
        double[] dSlot = new double[slot.length], dNull = new double[nul.length];
        for (int b = 0; b < batch; b++) {
            int[][] groups = conditions[b].groups();
            for (int s = 0; s < g; s++) {
                int at = (b * g + s) * d;
                if (s < groups.length) {
                    addRow(dCount, groups[s][0], b, at);
                    addRow(dColour, groups[s][1], b, at);
                    addRow(dShape, groups[s][2], b, at);
                } else {
                    addRow(dNull, 0, b, at);
                }
                addRow(dSlot, s, b, at);
            }
        }
        uploadGradient("cond_embedder.count.weight", dCount);
        uploadGradient("cond_embedder.colour.weight", dColour);
        uploadGradient("cond_embedder.shape.weight", dShape);
        uploadGradient("cond_embedder.slot.weight", dSlot);
        uploadGradient("cond_embedder.null.weight", dNull);
    }

    private void addRow(double[] table, int row, int item, int tokenAt) {
        for (int j = 0; j < d; j++) {
            table[row * d + j] += hostDCond[tokenAt + j] + (double) hostDPooled[item * d + j] / g;
        }
    }

    /** Adds a host gradient to the parameter's gradient view (which may already hold earlier micro-batches). */
    private void uploadGradient(String name, double[] grad) {
        Tensor view = p.view(p.grads, name);
        float[] current = new float[grad.length];
        be.download(view, current, 0);
        for (int i = 0; i < grad.length; i++) current[i] = (float) (current[i] + grad[i]);
        be.upload(current, 0, view);
    }

    // ------------------------------------------------------------------------------------------ layout views

    private Tensor conditionPart(Tensor x) {
        return x.view(0, new long[] {batch, g, d}, new long[] {(long) seq * d, d, 1});
    }

    private Tensor imagePart(Tensor x) {
        return x.view((long) g * d, new long[] {batch, tokens, d}, new long[] {(long) seq * d, d, 1});
    }

    private Tensor q(Tensor qkv) { return qkv.colRange(0, d); }

    private Tensor kk(Tensor qkv) { return qkv.colRange(d, d); }

    private Tensor v(Tensor qkv) { return qkv.colRange(2L * d, d); }
}
