package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

/**
 * The activation buffers of a DiT forward pass, allocated once for a capacity of {@code capacity}
 * batch rows (items, twice the particles under classifier-free guidance) and reused for every smaller
 * batch. A larger batch reallocates them (the old ones stay with the backend until it closes, so
 * capacity grows in powers of two up to the model's chunk size, a handful of times at most).
 *
 * <p>Views of the buffers for a given batch size are built the first time that size is seen and kept,
 * so a steady-state forward pass creates no Java objects either.
 */
final class Workspace {

    /** Every buffer as a view for one batch size {@code rows}; fields are named for the values they hold. */
    static final class Views {
        final int rows;
        /** Input images {@code [rows, C, H, W]}. */
        final Tensor image;
        /** Output velocities {@code [rows, C, H, W]}, and the same memory as {@code [rows, C*H*W]}. */
        final Tensor velocity;
        final Tensor velocityRows;
        /** Under CFG: the first (conditional) and second (null) halves of the velocity rows, {@code [rows/2, C*H*W]}. */
        final Tensor velocityFirstHalf;
        final Tensor velocitySecondHalf;
        /** Patch tokens {@code [rows*T, C*p*p]}: patchify output, and later the final layer's output. */
        final Tensor patches;
        /** Image-token activations {@code [rows*T, D]} and the same as {@code [rows, T, D]}. */
        final Tensor imageTokens;
        final Tensor imageTokens3d;
        /** The joint sequence {@code [rows*S, D]} and its condition / image parts as {@code [rows, G|T, D]} views. */
        final Tensor x;
        final Tensor xCondition3d;
        final Tensor xImage3d;
        /** Normalised (and modulated) tokens, {@code [rows*S, D]}; image part as {@code [rows, T, D]}. */
        final Tensor h;
        final Tensor hImage3d;
        final Tensor qkv;
        final Tensor q;
        final Tensor k;
        final Tensor v;
        final Tensor attention;
        /** A block's sub-layer output before its gated residual add, {@code [rows*S, D]}. */
        final Tensor residualUpdate;
        final Tensor mlpHidden;
        /** {@code [rows, F]} sinusoidal timestep features. */
        final Tensor timestepFrequencies;
        /** {@code [rows, D]} vectors. */
        final Tensor embedderHidden;
        final Tensor timestepEmbedding;
        final Tensor pooledCondition;
        final Tensor conditionEmbedding;
        final Tensor c;
        final Tensor siluC;
        /** adaLN-Zero modulation {@code [rows, 6D]} and its six column chunks (DiT order). */
        final Tensor modulation;
        final Tensor shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp;
        /** Final layer modulation {@code [rows, 2D]}: shift, scale. */
        final Tensor finalModulation;
        final Tensor finalShift, finalScale;
        /** Host staging for the per-item timesteps (length exactly {@code rows}, as the backend op wants). */
        final float[] timesteps;

        Views(Workspace w, int rows) {
            DiTConfig cfg = w.config;
            int d = cfg.hiddenSize();
            int tokens = cfg.imageTokens();
            int seq = cfg.sequenceLength();
            int groups = cfg.maxGroups();
            int floats = cfg.imageFloats();
            this.rows = rows;
            long[] imageShape = {rows, cfg.inChannels(), cfg.imageSize(), cfg.imageSize()};
            image = w.image.view(0, imageShape, Tensor.rowMajorStrides(imageShape));
            velocity = w.velocity.view(0, imageShape, Tensor.rowMajorStrides(imageShape));
            velocityRows = w.velocity.view(0, new long[] {rows, floats}, new long[] {floats, 1});
            velocityFirstHalf = velocityRows.rowRange(0, rows / 2);
            velocitySecondHalf = velocityRows.rowRange(rows / 2, rows / 2);
            patches = w.patches.rowRange(0, (long) rows * tokens);
            imageTokens = w.imageTokens.rowRange(0, (long) rows * tokens);
            imageTokens3d = imageTokens.reshape(rows, tokens, d);
            x = w.x.rowRange(0, (long) rows * seq);
            xCondition3d = x.view(0, new long[] {rows, groups, d}, new long[] {(long) seq * d, d, 1});
            xImage3d = x.view((long) groups * d, new long[] {rows, tokens, d}, new long[] {(long) seq * d, d, 1});
            h = w.h.rowRange(0, (long) rows * seq);
            hImage3d = h.view((long) groups * d, new long[] {rows, tokens, d}, new long[] {(long) seq * d, d, 1});
            qkv = w.qkv.rowRange(0, (long) rows * seq);
            q = qkv.colRange(0, d);
            k = qkv.colRange(d, d);
            v = qkv.colRange(2L * d, d);
            attention = w.attention.rowRange(0, (long) rows * seq);
            residualUpdate = w.residualUpdate.rowRange(0, (long) rows * seq);
            mlpHidden = w.mlpHidden.rowRange(0, (long) rows * seq);
            timestepFrequencies = w.timestepFrequencies.rowRange(0, rows);
            embedderHidden = w.embedderHidden.rowRange(0, rows);
            timestepEmbedding = w.timestepEmbedding.rowRange(0, rows);
            pooledCondition = w.pooledCondition.rowRange(0, rows);
            conditionEmbedding = w.conditionEmbedding.rowRange(0, rows);
            c = w.c.rowRange(0, rows);
            siluC = w.siluC.rowRange(0, rows);
            modulation = w.modulation.rowRange(0, rows);
            shiftMsa = modulation.colRange(0, d);
            scaleMsa = modulation.colRange(d, d);
            gateMsa = modulation.colRange(2L * d, d);
            shiftMlp = modulation.colRange(3L * d, d);
            scaleMlp = modulation.colRange(4L * d, d);
            gateMlp = modulation.colRange(5L * d, d);
            finalModulation = w.finalModulation.rowRange(0, rows);
            finalShift = finalModulation.colRange(0, d);
            finalScale = finalModulation.colRange(d, d);
            timesteps = new float[rows];
        }

        /** The rows the caller gets back: the guided half under CFG, else all of them. */
        Tensor velocityFirstHalfOrAll(boolean guided) {
            return guided ? velocityFirstHalf : velocityRows;
        }
    }

    private final DiTConfig config;
    private final Backend backend;
    private int capacity;
    private Views[] views;
    private Tensor image, velocity, patches, imageTokens, x, h, qkv, attention, residualUpdate, mlpHidden;
    private Tensor timestepFrequencies, embedderHidden, timestepEmbedding, pooledCondition, conditionEmbedding;
    private Tensor c, siluC, modulation, finalModulation;
    /** Host staging: images in and velocities out {@code [rows, C*H*W]}, condition tokens {@code [rows, G, D]}, pooled vectors {@code [rows, D]}. */
    float[] imageStaging;
    float[] conditionTokens;
    float[] pooled;

    Workspace(DiTConfig config, Backend backend) {
        this.config = config;
        this.backend = backend;
    }

    int capacity() {
        return capacity;
    }

    /** The views for a batch of {@code rows}, growing the buffers first if needed. */
    Views views(int rows, int maxRows) {
        if (rows < 1) throw new IllegalArgumentException("batch of " + rows + " rows");
        if (rows > capacity) grow(Math.min(maxRows, Math.max(rows, Integer.highestOneBit(rows - 1) << 1)));
        Views v = views[rows];
        if (v == null) {
            v = new Views(this, rows);
            views[rows] = v;
        }
        return v;
    }

    private void grow(int rows) {
        long d = config.hiddenSize();
        long tokens = (long) rows * config.imageTokens();
        long seq = (long) rows * config.sequenceLength();
        image = backend.allocate(rows, config.imageFloats());
        velocity = backend.allocate(rows, config.imageFloats());
        patches = backend.allocate(tokens, config.patchFeatures());
        imageTokens = backend.allocate(tokens, d);
        x = backend.allocate(seq, d);
        h = backend.allocate(seq, d);
        qkv = backend.allocate(seq, 3 * d);
        attention = backend.allocate(seq, d);
        residualUpdate = backend.allocate(seq, d);
        mlpHidden = backend.allocate(seq, config.mlpHidden());
        timestepFrequencies = backend.allocate(rows, config.frequencyEmbeddingSize());
        embedderHidden = backend.allocate(rows, d);
        timestepEmbedding = backend.allocate(rows, d);
        pooledCondition = backend.allocate(rows, d);
        conditionEmbedding = backend.allocate(rows, d);
        c = backend.allocate(rows, d);
        siluC = backend.allocate(rows, d);
        modulation = backend.allocate(rows, 6 * d);
        finalModulation = backend.allocate(rows, 2 * d);
        imageStaging = new float[Math.toIntExact((long) rows * config.imageFloats())];
        conditionTokens = new float[Math.toIntExact((long) rows * config.maxGroups() * d)];
        pooled = new float[Math.toIntExact(rows * d)];
        capacity = rows;
        views = new Views[rows + 1];
    }
}
