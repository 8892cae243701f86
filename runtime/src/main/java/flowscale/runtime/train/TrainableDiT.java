package flowscale.runtime.train;

import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.ConditionEmbedder;
import flowscale.runtime.model.DiTBlock;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.model.DiTModules;
import flowscale.runtime.model.DiTWeights;
import flowscale.runtime.model.EmbedderMlp;
import flowscale.runtime.model.FinalLayer;
import flowscale.runtime.model.JointSequence;
import flowscale.runtime.model.Linear;
import flowscale.runtime.model.PatchEmbedder;
import flowscale.runtime.model.TimestepEmbedder;
import flowscale.runtime.model.TrainableLinear;

import java.util.HashMap;
import java.util.Map;

/**
 * The flow-matching loss of a DiT and its gradient, for a fixed training batch size, over the parameters of a
 * {@link ParameterSet}. The layers are the inference model's own modules ({@link DiTModules}), bound to views of
 * the parameter and gradient buffers and keeping one set of activations per module for the backward pass; this
 * class only runs them in order, forward then backward, so weights trained here load into
 * {@link flowscale.runtime.model.DiT} unchanged.
 *
 * <p>The loss is {@code mean((u(x_t, t, c) - target)^2)} over every element of the batch (a shortcut model's output
 * {@code s(x_t, t, d, c)} at each item's step size d). Linear layers run on
 * the unpacked weights ({@link TrainableLinear}), so the optimiser can update them in place between steps.
 * Activation and gradient buffers are allocated once in the constructor; a step allocates only host arrays for
 * the (tiny) condition tables.
 */
public final class TrainableDiT {
    private final ParameterSet p;
    private final TrainingBackend be;
    private final DiTConfig cfg;
    private final int batch, d, g;
    private final DiTModules modules;
    /** Host copies of the condition tables, in {@link ConditionEmbedder#TABLE_KEYS} order, refreshed every step. */
    private final float[][] tables;

    // forward: inputs, the loss's target, and what each module keeps
    private final Tensor image, targetPatches, outPatches, tEmb, pooled, yEmb, c, siluC;
    private final TimestepEmbedder.Activations tEmbedderActivations;
    /** A shortcut model's step-size embedding and what its embedder keeps; null for a base model. */
    private final Tensor dEmb;
    private final TimestepEmbedder.Activations dEmbedderActivations;
    private final float[] hostStepSizes;
    private final EmbedderMlp.Activations yEmbedderActivations;
    private final PatchEmbedder.Activations xEmbedderActivations;
    /** Block inputs: {@code xs[i]} enters block i, {@code xs[depth]} enters the final layer. */
    private final Tensor[] xs;
    private final DiTBlock.Activations[] blockActivations;
    private final FinalLayer.Activations finalActivations;
    // backward: the gradients carried between modules, and the modules' scratch
    private final Tensor dX, dSiluC, dc, dHidden, dPooled, dTokens, dCondTokens, dPatches;
    private final DiTBlock.Gradients blockGradients;
    private final FinalLayer.Gradients finalGradients;
    private final float[] hostTimesteps;
    private final float[] hostCondTokens, hostPooled, hostDCond, hostDPooled;
    private Condition[] conditions;

    public TrainableDiT(ParameterSet parameters, int batch) {
        if (batch < 1) throw new IllegalArgumentException("batch size " + batch + " must be at least 1");
        this.p = parameters;
        this.be = parameters.backend();
        this.cfg = parameters.config();
        this.batch = batch;
        this.d = cfg.hiddenSize();
        this.g = cfg.maxGroups();

        Map<String, float[]> hostTables = new HashMap<>();
        DiTWeights weights = DiTWeights.bind(cfg, new DiTWeights.Binder() {
            @Override
            public Linear linear(String prefix) {
                String w = prefix + ".weight", b = prefix + ".bias";
                return new TrainableLinear(be, p.view(p.params, w), p.view(p.params, b), p.view(p.grads, w), p.view(p.grads, b));
            }

            @Override
            public float[] table(String name) {
                return hostTables.computeIfAbsent(name, n -> new float[Math.toIntExact(p.view(p.params, n).size())]);
            }
        });
        this.modules = new DiTModules(weights, be);
        this.tables = ConditionEmbedder.TABLE_KEYS.stream().map(hostTables::get).toArray(float[][]::new);

        int bt = batch * cfg.imageTokens();
        long rows = (long) batch * cfg.sequenceLength();
        image = be.allocate(batch, cfg.inChannels(), cfg.imageSize(), cfg.imageSize());
        targetPatches = be.allocate(bt, cfg.patchFeatures());
        outPatches = be.allocate(bt, cfg.patchFeatures());
        tEmb = be.allocate(batch, d);
        pooled = be.allocate(batch, d);
        yEmb = be.allocate(batch, d);
        c = be.allocate(batch, d);
        siluC = be.allocate(batch, d);
        tEmbedderActivations = new TimestepEmbedder.Activations(be.allocate(batch, cfg.frequencyEmbeddingSize()), mlpActivations());
        boolean shortcut = modules.dEmbedder != null;
        dEmb = shortcut ? be.allocate(batch, d) : null;
        dEmbedderActivations = shortcut
                ? new TimestepEmbedder.Activations(be.allocate(batch, cfg.frequencyEmbeddingSize()), mlpActivations()) : null;
        hostStepSizes = shortcut ? new float[batch] : null;
        yEmbedderActivations = mlpActivations();
        Tensor tokens = be.allocate(bt, d);
        xEmbedderActivations = new PatchEmbedder.Activations(be.allocate(bt, cfg.patchFeatures()), tokens,
                tokens.reshape(batch, cfg.imageTokens(), d));
        xs = new Tensor[cfg.depth() + 1];
        for (int i = 0; i < xs.length; i++) xs[i] = be.allocate(rows, d);
        blockActivations = new DiTBlock.Activations[cfg.depth()];
        for (int i = 0; i < cfg.depth(); i++) blockActivations[i] = DiTBlock.Activations.kept(be, cfg, batch);
        finalActivations = FinalLayer.Activations.kept(be, cfg, batch);

        dX = be.allocate(rows, d);
        dSiluC = be.allocate(batch, d);
        dc = be.allocate(batch, d);
        dHidden = be.allocate(batch, d);
        dPooled = be.allocate(batch, d);
        dTokens = be.allocate(bt, d);
        dCondTokens = be.allocate((long) batch * g, d);
        dPatches = be.allocate(bt, cfg.patchFeatures());
        blockGradients = new DiTBlock.Gradients(be, cfg, batch);
        finalGradients = new FinalLayer.Gradients(be, cfg, batch);
        hostTimesteps = new float[batch];
        hostCondTokens = new float[batch * g * d];
        hostPooled = new float[batch * d];
        hostDCond = new float[batch * g * d];
        hostDPooled = new float[batch * d];
    }

    private EmbedderMlp.Activations mlpActivations() {
        return new EmbedderMlp.Activations(be.allocate(batch, d), be.allocate(batch, d));
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
        return lossAndGradient(xt, t, null, cond, target);
    }

    /**
     * As {@link #lossAndGradient(float[], double[], Condition[], float[])} at step sizes {@code d} (null: all 0); the
     * gradient reaches {@code d_embedder} too.
     */
    public double lossAndGradient(float[] xt, double[] t, double[] d, Condition[] cond, float[] target) {
        check(xt, t, d, cond);
        if (target.length != xt.length) throw new IllegalArgumentException("training batch of " + batch + " needs " + xt.length + " target floats");
        forward(xt, t, d, cond);
        double loss = loss(target);
        backward();
        return loss;
    }

    /**
     * The model's output {@code s(x_t, t, d)} for the batch (image layout, concatenated), forward only: no gradient,
     * nothing kept for a backward (the self-consistency target is computed this way).
     */
    public void output(float[] xt, double[] t, double[] d, Condition[] cond, float[] out) {
        check(xt, t, d, cond);
        if (out.length != xt.length) throw new IllegalArgumentException("output of a batch of " + batch + " needs " + xt.length + " floats");
        forward(xt, t, d, cond);
        modules.xEmbedder.unpatchify(outPatches, image);
        be.download(image, out, 0);
    }

    private void check(float[] xt, double[] t, double[] d, Condition[] cond) {
        int floats = cfg.imageFloats();
        if (xt.length != batch * floats || t.length != batch || cond.length != batch || (d != null && d.length != batch)) {
            throw new IllegalArgumentException("training batch of " + batch + " needs " + batch * floats + " floats per image array and "
                    + batch + " times, step sizes and conditions");
        }
        if (d != null && hostStepSizes == null) {
            for (double v : d) {
                if (v != 0) throw new IllegalArgumentException("step size " + v + " for a model without a step-size input");
            }
        }
    }

    private void forward(float[] xt, double[] t, double[] d, Condition[] cond) {
        this.conditions = cond;
        be.upload(xt, 0, image);

        for (int b = 0; b < batch; b++) hostTimesteps[b] = TimestepEmbedder.scaled(t[b]);
        modules.tEmbedder.forward(hostTimesteps, tEmbedderActivations, tEmb);
        embedConditions(cond);
        be.upload(hostPooled, 0, pooled);
        modules.yEmbedder.forward(pooled, yEmbedderActivations, yEmb);
        if (modules.dEmbedder != null) {
            for (int b = 0; b < batch; b++) hostStepSizes[b] = TimestepEmbedder.scaled(d == null ? 0.0 : d[b]);
            modules.dEmbedder.forward(hostStepSizes, dEmbedderActivations, dEmb);
            DiTModules.conditioning(tEmb, yEmb, dEmb, c, siluC);
        } else {
            DiTModules.conditioning(tEmb, yEmb, c, siluC);
        }

        be.upload(hostCondTokens, 0, JointSequence.conditionPart(xs[0], batch, cfg));
        modules.xEmbedder.forward(image, xEmbedderActivations, JointSequence.imagePart(xs[0], batch, cfg));
        for (int i = 0; i < modules.blocks.length; i++) modules.blocks[i].forward(xs[i], siluC, blockActivations[i], xs[i + 1]);
        modules.finalLayer.forward(xs[xs.length - 1], siluC, finalActivations, outPatches);
    }

    /**
     * The mean squared error of items {@code [from, to)} in the last {@link #lossAndGradient} (e.g. the flow-matching
     * and the self-consistency parts of a shortcut batch, for the log), recovered from the loss gradient it left.
     */
    public double meanSquaredError(int from, int to) {
        if (from < 0 || to > batch || from >= to) throw new IllegalArgumentException("items [" + from + ", " + to + ") of " + batch);
        long tokens = cfg.imageTokens();
        Tensor rows = dPatches.rowRange(from * tokens, (to - from) * tokens);
        double rms = be.norm2(rows) * dPatches.size() / 2.0; // dPatches = 2 (u - target) / N
        return rms * rms / rows.size();
    }

    /** The loss of the last forward against {@code target}, and its gradient in {@code dPatches}. */
    private double loss(float[] target) {
        be.upload(target, 0, image);
        modules.xEmbedder.patchify(image, targetPatches);
        // dPatches = 2 (u - target) / N; the loss is the mean square of the difference.
        long n = outPatches.size();
        be.axpby(1f, outPatches, -1f, targetPatches, dPatches);
        double rms = be.norm2(dPatches);
        be.scale(dPatches, (float) (2.0 / n));
        return rms * rms / n;
    }

    private void backward() {
        modules.finalLayer.backward(xs[xs.length - 1], siluC, finalActivations, dPatches, dX, dSiluC, finalGradients);
        for (int i = modules.blocks.length - 1; i >= 0; i--) {
            modules.blocks[i].backward(xs[i], siluC, blockActivations[i], dX, dSiluC, blockGradients);
        }
        // dX now holds the gradient of the first block's input: image tokens, then condition tokens.
        modules.xEmbedder.backward(xEmbedderActivations, JointSequence.imagePart(dX, batch, cfg), dTokens);
        be.copy(JointSequence.conditionPart(dX, batch, cfg), dCondTokens.reshape(batch, g, d));

        DiTModules.conditioningBackward(c, dSiluC, dc);
        modules.tEmbedder.backward(tEmbedderActivations, dc, dHidden);
        if (modules.dEmbedder != null) modules.dEmbedder.backward(dEmbedderActivations, dc, dHidden);
        modules.yEmbedder.backward(pooled, yEmbedderActivations, dc, dHidden, dPooled);
        conditionTableGradients();
    }

    /** Token and pooled vectors of the batch's conditions from the current tables, as the inference model embeds them. */
    private void embedConditions(Condition[] cond) {
        for (int i = 0; i < tables.length; i++) be.download(p.view(p.params, ConditionEmbedder.TABLE_KEYS.get(i)), tables[i], 0);
        for (int b = 0; b < batch; b++) {
            float[] e = ConditionEmbedder.embed(cfg, tables, cond[b]);
            System.arraycopy(e, 0, hostCondTokens, b * g * d, g * d);
            System.arraycopy(e, g * d, hostPooled, b * d, d);
        }
    }

    /** The condition tables' gradients, summed on the host in double and added to the parameter gradients. */
    private void conditionTableGradients() {
        be.download(dCondTokens, hostDCond, 0);
        be.download(dPooled, hostDPooled, 0);
        double[][] grads = new double[tables.length][];
        for (int i = 0; i < tables.length; i++) grads[i] = new double[tables[i].length];
        for (int b = 0; b < batch; b++) {
            ConditionEmbedder.embedBackward(cfg, conditions[b], hostDCond, b * g * d, hostDPooled, b * d, grads);
        }
        for (int i = 0; i < tables.length; i++) uploadGradient(ConditionEmbedder.TABLE_KEYS.get(i), grads[i]);
    }

    /** Adds a host gradient to the parameter's gradient view (which may already hold earlier micro-batches). */
    private void uploadGradient(String name, double[] grad) {
        Tensor view = p.view(p.grads, name);
        float[] current = new float[grad.length];
        be.download(view, current, 0);
        for (int i = 0; i < grad.length; i++) current[i] = (float) (current[i] + grad[i]);
        be.upload(current, 0, view);
    }
}
