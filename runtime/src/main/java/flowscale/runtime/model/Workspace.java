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
        /** The input images as {@code [rows, C*H*W]} (the same memory as {@code image}). */
        final Tensor imageRows;
        /** The resident condition tokens {@code [rows, G, D]}, copied into the joint sequence by every pass. */
        final Tensor conditionTokens3d;
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
        /** {@code [rows, D]} vectors. */
        final Tensor timestepEmbedding;
        final Tensor pooledCondition;
        final Tensor conditionEmbedding;
        final Tensor c;
        final Tensor siluC;
        /** Each module's intermediates, in buffers shared by all blocks and aliased where nothing needs keeping. */
        final TimestepEmbedder.Activations timestepActivations;
        final EmbedderMlp.Activations conditionActivations;
        final PatchEmbedder.Activations patchActivations;
        /** Per block: the same buffers, except that each block keeps its own modulation (see {@link #modulationsCurrent}). */
        final DiTBlock.Activations[] blockActivations;
        final FinalLayer.Activations finalActivations;
        /** Host staging for the per-item timesteps (length exactly {@code rows}, as the backend op wants). */
        final float[] timesteps;
        /** A shortcut model's step sizes (staged like the timesteps), their embedding and its activations; null otherwise. */
        final float[] stepSizes;
        final Tensor stepSizeEmbedding;
        final TimestepEmbedder.Activations stepSizeActivations;

        Views(Workspace w, int rows) {
            DiTConfig cfg = w.config;
            int d = cfg.hiddenSize();
            int tokens = cfg.imageTokens();
            int seq = cfg.sequenceLength();
            int floats = cfg.imageFloats();
            this.rows = rows;
            long[] imageShape = {rows, cfg.inChannels(), cfg.imageSize(), cfg.imageSize()};
            image = w.image.view(0, imageShape, Tensor.rowMajorStrides(imageShape));
            imageRows = w.image.view(0, new long[] {rows, floats}, new long[] {floats, 1});
            conditionTokens3d = w.conditionTokensResident.view(0, new long[] {rows, cfg.maxGroups(), d},
                    Tensor.rowMajorStrides(new long[] {rows, cfg.maxGroups(), d}));
            velocity = w.velocity.view(0, imageShape, Tensor.rowMajorStrides(imageShape));
            velocityRows = w.velocity.view(0, new long[] {rows, floats}, new long[] {floats, 1});
            velocityFirstHalf = velocityRows.rowRange(0, rows / 2);
            velocitySecondHalf = velocityRows.rowRange(rows / 2, rows / 2);
            patches = w.patches.rowRange(0, (long) rows * tokens);
            imageTokens = w.imageTokens.rowRange(0, (long) rows * tokens);
            imageTokens3d = imageTokens.reshape(rows, tokens, d);
            x = w.x.rowRange(0, (long) rows * seq);
            xCondition3d = JointSequence.conditionPart(x, rows, cfg);
            xImage3d = JointSequence.imagePart(x, rows, cfg);
            Tensor h = w.h.rowRange(0, (long) rows * seq);
            Tensor embedderHidden = w.embedderHidden.rowRange(0, rows);
            timestepEmbedding = w.timestepEmbedding.rowRange(0, rows);
            pooledCondition = w.pooledCondition.rowRange(0, rows);
            conditionEmbedding = w.conditionEmbedding.rowRange(0, rows);
            c = w.c.rowRange(0, rows);
            siluC = w.siluC.rowRange(0, rows);
            timestepActivations = new TimestepEmbedder.Activations(w.timestepFrequencies.rowRange(0, rows),
                    new EmbedderMlp.Activations(embedderHidden, embedderHidden));
            conditionActivations = new EmbedderMlp.Activations(embedderHidden, embedderHidden);
            patchActivations = new PatchEmbedder.Activations(patches, imageTokens, imageTokens3d);
            blockActivations = new DiTBlock.Activations[cfg.depth()];
            for (int b = 0; b < blockActivations.length; b++) {
                blockActivations[b] = DiTBlock.Activations.inPlace(rows, x, w.modulation.rowRange((long) b * w.capacity, rows), h,
                        w.qkv.rowRange(0, (long) rows * seq), w.attention.rowRange(0, (long) rows * seq),
                        w.residualUpdate.rowRange(0, (long) rows * seq), w.mlpHidden.rowRange(0, (long) rows * seq));
            }
            finalActivations = FinalLayer.Activations.inPlace(rows, cfg, w.finalModulation.rowRange(0, rows), h, imageTokens);
            timesteps = new float[rows];
            if (cfg.shortcut()) {
                stepSizes = new float[rows];
                stepSizeEmbedding = w.stepSizeEmbedding.rowRange(0, rows);
                stepSizeActivations = new TimestepEmbedder.Activations(w.stepSizeFrequencies.rowRange(0, rows),
                        new EmbedderMlp.Activations(embedderHidden, embedderHidden));
            } else {
                stepSizes = null;
                stepSizeEmbedding = null;
                stepSizeActivations = null;
            }
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
    private Tensor stepSizeFrequencies, stepSizeEmbedding;
    /** The resident condition tokens, and what the device holds for the rows of the last pass: a repeat is not redone. */
    private Tensor conditionTokensResident;
    private final Memo uploadedTokens = new Memo(), uploadedPooled = new Memo();
    /** The timesteps and step sizes whose embeddings the buffers hold. */
    final Memo embeddedTimesteps = new Memo(), embeddedStepSizes = new Memo();
    /**
     * Whether the blocks' and the final layer's modulations (and SiLU(c)) are those of the last pass's timesteps, step
     * sizes and conditions, for as many rows: they depend on nothing else, so a pass that repeats all three (RBF draws
     * a level's candidates at the same times) keeps them instead of recomputing the same floats.
     */
    boolean modulationsCurrent;
    /** Host-path latents in and velocities out {@code [rows, C*H*W]}, grown to the largest host call. */
    private Tensor hostIn, hostOut;
    /** Host staging: condition tokens {@code [rows, G, D]}, pooled vectors {@code [rows, D]}. */
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
        conditionTokensResident = backend.allocate((long) rows * config.maxGroups(), d);
        uploadedTokens.forget();
        uploadedPooled.forget();
        embeddedTimesteps.forget();
        embeddedStepSizes.forget();
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
        modulation = backend.allocate((long) config.depth() * rows, 6 * d);
        modulationsCurrent = false;
        finalModulation = backend.allocate(rows, 2 * d);
        if (config.shortcut()) {
            stepSizeFrequencies = backend.allocate(rows, config.frequencyEmbeddingSize());
            stepSizeEmbedding = backend.allocate(rows, d);
        }
        conditionTokens = new float[Math.toIntExact((long) rows * config.maxGroups() * d)];
        pooled = new float[Math.toIntExact(rows * d)];
        capacity = rows;
        views = new Views[rows + 1];
    }

    /**
     * Whether the staged condition tokens and pooled vectors of {@code rows} rows differ from those last uploaded
     * (then they are remembered as uploaded: the caller uploads them now). Searches call the model with the same
     * condition every time, so after the first call nothing is uploaded for it.
     */
    boolean conditionsChanged(int rows) {
        int tokens = rows * config.maxGroups() * config.hiddenSize(), pooledFloats = rows * config.hiddenSize();
        boolean tokensChanged = uploadedTokens.changed(conditionTokens, tokens);
        boolean pooledChanged = uploadedPooled.changed(pooled, pooledFloats);
        return tokensChanged || pooledChanged;
    }

    /** The condition tokens' resident buffer as {@code [rows*G, D]}. */
    Tensor conditionTokensResident(int rows) {
        return conditionTokensResident.rowRange(0, (long) rows * config.maxGroups());
    }

    /** Device latents for a host call of {@code n} items (rows {@code [0, n)} of a buffer grown as needed). */
    Tensor hostIn(int n) {
        if (hostIn == null || hostIn.rows() < n) growHostIo(n);
        return hostIn.rowRange(0, n);
    }

    /** Device velocities for a host call of {@code n} items. */
    Tensor hostOut(int n) {
        if (hostOut == null || hostOut.rows() < n) growHostIo(n);
        return hostOut.rowRange(0, n);
    }

    private void growHostIo(int n) {
        int rows = Math.max(n, hostIn == null ? 1 : 2 * hostIn.rows());
        hostIn = backend.allocate(rows, config.imageFloats());
        hostOut = backend.allocate(rows, config.imageFloats());
    }

    /**
     * What a device buffer was last computed from (the first n floats of a host array), so that a pass with the same
     * values can skip recomputing it. The length is part of the key: buffers are shared by every batch size.
     */
    static final class Memo {
        private float[] last = new float[0];
        private int length = -1;

        /** Whether {@code now[0, n)} differs from what was remembered; either way it is remembered from now on. */
        boolean changed(float[] now, int n) {
            if (n == length && java.util.Arrays.equals(now, 0, n, last, 0, n)) return false;
            if (last.length < n) last = new float[n];
            System.arraycopy(now, 0, last, 0, n);
            length = n;
            return true;
        }

        /** Forgets the values (the buffer was replaced). */
        void forget() {
            length = -1;
        }
    }
}
