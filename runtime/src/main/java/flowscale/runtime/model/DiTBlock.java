package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;

/**
 * {@code blocks.{i}}: a DiT block with adaLN-Zero conditioning over the joint sequence of condition and
 * image tokens. {@code x += gate_msa * attn(modulate(norm1(x)))}, then
 * {@code x += gate_mlp * mlp(modulate(norm2(x)))}; norms are LayerNorm without affine.
 *
 * <p>The forward writes its intermediates into an {@link Activations}; inference passes one set whose
 * buffers alias each other (nothing is kept, the residual is updated in place), training one set per
 * block, which {@link #backward} then reads.
 */
public final class DiTBlock {
    /** DiT's LayerNorm epsilon for the non-affine norms. */
    public static final float LN_EPS = 1e-6f;

    private final DiTWeights.Block w;
    private final int tokensPerItem;
    private final int heads;
    private final float attentionScale;

    DiTBlock(DiTWeights.Block weights, DiTConfig config) {
        this.w = weights;
        this.tokensPerItem = config.sequenceLength();
        this.heads = config.numHeads();
        this.attentionScale = (float) (1.0 / Math.sqrt(config.headDim()));
    }

    /**
     * An adaLN-Zero modulation {@code [items, 6D]} (or its gradient) and its six {@code [items, D]} column
     * chunks, in DiT's order.
     */
    record Modulation(Tensor all, Tensor shiftMsa, Tensor scaleMsa, Tensor gateMsa, Tensor shiftMlp, Tensor scaleMlp,
                      Tensor gateMlp) {
        static Modulation of(Tensor all) {
            long d = all.cols() / 6;
            return new Modulation(all, all.colRange(0, d), all.colRange(d, d), all.colRange(2 * d, d),
                    all.colRange(3 * d, d), all.colRange(4 * d, d), all.colRange(5 * d, d));
        }
    }

    /**
     * A block's intermediates for {@code items} items, named for what they hold ({@code [items*S, D]} unless
     * said). Views are made once here, so a forward pass over them creates no objects.
     */
    public static final class Activations {
        final int items;
        /** {@code adaLN_modulation.1} output. */
        final Modulation modulation;
        final Tensor norm1, modulated1;
        /** {@code [items*S, 3D]} and its q, k, v column chunks. */
        final Tensor qkv, q, k, v;
        final Tensor attention, attnProj;
        /** The residual after the attention's gated add. */
        final Tensor afterAttention;
        final Tensor norm2, modulated2;
        /** {@code mlp.fc1} output and its GELU, {@code [items*S, hidden]}. */
        final Tensor fc1, gelu;
        final Tensor fc2;

        Activations(int items, Tensor modulation, Tensor norm1, Tensor modulated1, Tensor qkv, Tensor attention, Tensor attnProj,
                    Tensor afterAttention, Tensor norm2, Tensor modulated2, Tensor fc1, Tensor gelu, Tensor fc2) {
            this.items = items;
            this.modulation = Modulation.of(modulation);
            long d = norm1.cols();
            this.norm1 = norm1;
            this.modulated1 = modulated1;
            this.qkv = qkv;
            q = qkv.colRange(0, d);
            k = qkv.colRange(d, d);
            v = qkv.colRange(2 * d, d);
            this.attention = attention;
            this.attnProj = attnProj;
            this.afterAttention = afterAttention;
            this.norm2 = norm2;
            this.modulated2 = modulated2;
            this.fc1 = fc1;
            this.gelu = gelu;
            this.fc2 = fc2;
        }

        /** Every intermediate in a buffer of its own, for the backward pass. */
        public static Activations kept(Backend be, DiTConfig c, int items) {
            long rows = (long) items * c.sequenceLength(), d = c.hiddenSize();
            return new Activations(items, be.allocate(items, 6 * d), be.allocate(rows, d), be.allocate(rows, d),
                    be.allocate(rows, 3 * d), be.allocate(rows, d), be.allocate(rows, d), be.allocate(rows, d),
                    be.allocate(rows, d), be.allocate(rows, d), be.allocate(rows, c.mlpHidden()), be.allocate(rows, c.mlpHidden()),
                    be.allocate(rows, d));
        }

        /**
         * The inference set: every norm and modulation in {@code h}, both sub-layer outputs in {@code update},
         * the MLP's hidden layer activated in place, and the residual {@code x} updated in place.
         */
        static Activations inPlace(int items, Tensor x, Tensor modulation, Tensor h, Tensor qkv, Tensor attention,
                                   Tensor update, Tensor mlpHidden) {
            return new Activations(items, modulation, h, h, qkv, attention, update, x, h, h, mlpHidden, mlpHidden, update);
        }
    }

    /**
     * Gradient scratch of a block's backward pass for {@code items} items, shared by all blocks: only the
     * residual's and SiLU(c)'s gradients carry from one block to the next, and the caller holds those.
     */
    public static final class Gradients {
        final Tensor update, mlpHidden, modulated, norm, attention, qkv, dq, dk, dv, siluC;
        final Modulation modulation;

        public Gradients(Backend be, DiTConfig c, int items) {
            long rows = (long) items * c.sequenceLength(), d = c.hiddenSize();
            update = be.allocate(rows, d);
            mlpHidden = be.allocate(rows, c.mlpHidden());
            modulated = be.allocate(rows, d);
            norm = be.allocate(rows, d);
            attention = be.allocate(rows, d);
            qkv = be.allocate(rows, 3 * d);
            dq = qkv.colRange(0, d);
            dk = qkv.colRange(d, d);
            dv = qkv.colRange(2 * d, d);
            siluC = be.allocate(items, d);
            modulation = Modulation.of(be.allocate(items, 6 * d));
        }
    }

    /**
     * {@code out = block(x)} conditioned on {@code siluC [items, D]}, with the intermediates in {@code a}.
     * {@code out} may be {@code x} (in place) when {@code a} keeps nothing.
     */
    public void forward(Tensor x, Tensor siluC, Activations a, Tensor out) {
        modulation(siluC, a);
        forwardModulated(x, a, out);
    }

    /** The adaLN-Zero modulation of {@code siluC [items, D]} into {@code a}: all the block's input from the conditioning. */
    void modulation(Tensor siluC, Activations a) {
        w.adaLNModulation1().forward(siluC, a.modulation.all());
    }

    /** {@link #forward} with the modulation already in {@code a} (from {@link #modulation} of the same SiLU(c)). */
    void forwardModulated(Tensor x, Activations a, Tensor out) {
        Backend be = x.backend();
        Modulation m = a.modulation;
        be.layerNorm(x, null, null, LN_EPS, a.norm1);
        be.modulate(a.norm1, m.shiftMsa(), m.scaleMsa(), tokensPerItem, a.modulated1);
        w.attnQkv().forward(a.modulated1, a.qkv);
        be.attention(a.q, a.k, a.v, a.items, tokensPerItem, heads, attentionScale, a.attention);
        w.attnProj().forward(a.attention, a.attnProj);
        keep(be, x, a.afterAttention);
        be.gatedAdd(a.afterAttention, a.attnProj, m.gateMsa(), tokensPerItem);

        be.layerNorm(a.afterAttention, null, null, LN_EPS, a.norm2);
        be.modulate(a.norm2, m.shiftMlp(), m.scaleMlp(), tokensPerItem, a.modulated2);
        w.mlpFc1().forward(a.modulated2, a.fc1);
        be.gelu(a.fc1, a.gelu);
        w.mlpFc2().forward(a.gelu, a.fc2);
        keep(be, a.afterAttention, out);
        be.gatedAdd(out, a.fc2, m.gateMlp(), tokensPerItem);
    }

    /** The residual add is in place; a copy first keeps its input when the backward will need it. */
    private static void keep(Backend be, Tensor residual, Tensor next) {
        if (next != residual) be.copy(residual, next);
    }

    /**
     * The backward of {@link #forward} from its input {@code x}, {@code siluC} and activations {@code a}:
     * {@code dX} holds the gradient of the block's output and is overwritten with that of its input;
     * the gradient of SiLU(c) adds to {@code dSiluC}; parameter gradients accumulate.
     */
    public void backward(Tensor x, Tensor siluC, Activations a, Tensor dX, Tensor dSiluC, Gradients g) {
        TrainingBackend be = Training.backend(dX);
        Modulation m = a.modulation, dm = g.modulation;
        be.fill(dm.all(), 0f);
        be.gatedAddBackward(a.fc2, m.gateMlp(), dX, tokensPerItem, g.update, dm.gateMlp());
        w.mlpFc2().backward(a.gelu, g.update, g.mlpHidden);
        be.geluBackward(a.fc1, g.mlpHidden, g.mlpHidden);
        w.mlpFc1().backward(a.modulated2, g.mlpHidden, g.modulated);
        be.modulateBackward(a.norm2, m.scaleMlp(), g.modulated, tokensPerItem, g.modulated, dm.shiftMlp(), dm.scaleMlp());
        be.layerNormBackward(a.afterAttention, null, LN_EPS, g.modulated, g.norm, null, null);
        be.axpby(1f, dX, 1f, g.norm, dX);

        be.gatedAddBackward(a.attnProj, m.gateMsa(), dX, tokensPerItem, g.update, dm.gateMsa());
        w.attnProj().backward(a.attention, g.update, g.attention);
        be.attentionBackward(a.q, a.k, a.v, a.attention, g.attention, a.items, tokensPerItem, heads, attentionScale,
                g.dq, g.dk, g.dv);
        w.attnQkv().backward(a.modulated1, g.qkv, g.modulated);
        be.modulateBackward(a.norm1, m.scaleMsa(), g.modulated, tokensPerItem, g.modulated, dm.shiftMsa(), dm.scaleMsa());
        be.layerNormBackward(x, null, LN_EPS, g.modulated, g.norm, null, null);
        be.axpby(1f, dX, 1f, g.norm, dX);

        w.adaLNModulation1().backward(siluC, dm.all(), g.siluC);
        be.axpby(1f, dSiluC, 1f, g.siluC, dSiluC);
    }
}
