package flowscale.kernels.training;

import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;
import flowscale.kernels.reference.ReferenceBackend;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static flowscale.kernels.training.FiniteDifference.assertClose;
import static flowscale.kernels.training.FiniteDifference.widen;

/**
 * The backward ops compose into the backward pass of a whole adaLN-Zero DiT block (as the DiT uses them:
 * fused qkv and dqkv, adaLN chunks as column views of one projection, modulate in place, two gated
 * residual adds), checked for every parameter and both inputs against finite differences of a double
 * forward of the block. This is the blueprint of the trainer's block backward.
 *
 * <p>The reference stores activations as float between ops, so the composed gradient carries a few float
 * roundings per stage (measured: ~1.3e-5 at worst, on a small adaLN weight gradient); 1e-4 relative (per
 * element, floored at 1e-3 of the largest) is far below what a wrong sign, a missing term or swapped adaLN
 * chunks give (order 1).
 */
class DiTBlockGradientTest {
    private static final int B = 2, T = 5, D = 8, HEADS = 2, HIDDEN = 16;
    private static final float EPS = 1e-6f;
    private static final float SCALE = (float) (1.0 / Math.sqrt(D / HEADS));
    private static final double TOL = 1e-4;

    /** Inputs of the block's loss, in this order. */
    private static final String[] NAMES = {"x", "siluC", "ada.w", "ada.b", "qkv.w", "qkv.b", "proj.w", "proj.b",
        "fc1.w", "fc1.b", "fc2.w", "fc2.b"};
    private static final int[][] SHAPES = {{B * T, D}, {B, D}, {6 * D, D}, {6 * D}, {3 * D, D}, {3 * D}, {D, D}, {D},
        {HIDDEN, D}, {HIDDEN}, {D, HIDDEN}, {D}};

    @Test
    void blockBackwardMatchesFiniteDifferencesForEveryParameter() {
        SplittableRandom random = new SplittableRandom(42);
        float[][] in = new float[NAMES.length][];
        for (int i = 0; i < NAMES.length; i++) {
            int n = 1;
            for (int s : SHAPES[i]) n *= s;
            in[i] = new float[n];
            double amplitude = i < 2 ? 1.0 : 0.5;
            for (int k = 0; k < n; k++) in[i][k] = (float) (amplitude * (2 * random.nextDouble() - 1));
        }
        float[] dOut = new float[B * T * D];
        for (int k = 0; k < dOut.length; k++) dOut[k] = (float) (2 * random.nextDouble() - 1);

        float[][] grads;
        try (ReferenceBackend be = new ReferenceBackend()) {
            grads = backward(be, in, dOut);
        }
        double[][] wide = new double[in.length][];
        for (int i = 0; i < in.length; i++) wide[i] = widen(in[i]);
        for (int i = 0; i < NAMES.length; i++) {
            assertClose("d" + NAMES[i], grads[i], FiniteDifference.gradient(wide, i, widen(dOut), DiTBlockGradientTest::forward), TOL);
        }
    }

    /** The block's forward in double: {@code x += g1 * attn(mod(LN(x))); x += g2 * mlp(mod(LN(x)))}. */
    private static double[] forward(double[][] p) {
        double[] mod = DoubleForward.linear(p[1], p[2], p[3], B, D, 6 * D);
        double[] shift1 = chunk(mod, 0), scale1 = chunk(mod, 1), gate1 = chunk(mod, 2);
        double[] shift2 = chunk(mod, 3), scale2 = chunk(mod, 4), gate2 = chunk(mod, 5);
        double[] m1 = DoubleForward.modulate(DoubleForward.norm(true, p[0], null, null, EPS, B * T, D), shift1, scale1, T, D);
        double[] qkv = DoubleForward.linear(m1, p[4], p[5], B * T, D, 3 * D);
        double[] q = columns(qkv, 0), k = columns(qkv, 1), v = columns(qkv, 2);
        double[] att = DoubleForward.attention(q, k, v, B, T, HEADS, D / HEADS, SCALE);
        double[] x1 = DoubleForward.gatedAdd(p[0], DoubleForward.linear(att, p[6], p[7], B * T, D, D), gate1, T, D);
        double[] m2 = DoubleForward.modulate(DoubleForward.norm(true, x1, null, null, EPS, B * T, D), shift2, scale2, T, D);
        double[] hidden = DoubleForward.gelu(DoubleForward.linear(m2, p[8], p[9], B * T, D, HIDDEN));
        return DoubleForward.gatedAdd(x1, DoubleForward.linear(hidden, p[10], p[11], B * T, HIDDEN, D), gate2, T, D);
    }

    /** Chunk {@code c} (of 6) of the {@code [B, 6D]} modulation, as {@code [B, D]}. */
    private static double[] chunk(double[] mod, int c) {
        double[] out = new double[B * D];
        for (int b = 0; b < B; b++) System.arraycopy(mod, b * 6 * D + c * D, out, b * D, D);
        return out;
    }

    /** Part {@code c} (q, k or v) of the fused {@code [B*T, 3D]} projection. */
    private static double[] columns(double[] qkv, int c) {
        double[] out = new double[B * T * D];
        for (int r = 0; r < B * T; r++) System.arraycopy(qkv, r * 3 * D + c * D, out, r * D, D);
        return out;
    }

    /** Forward with the backend's ops, keeping what the backward needs, then the backward; gradients in NAMES order. */
    private static float[][] backward(TrainingBackend be, float[][] in, float[] dOut) {
        int rows = B * T;
        Tensor x = be.upload(in[0], rows, D), siluC = be.upload(in[1], B, D);
        Tensor adaW = be.upload(in[2], 6 * D, D), adaB = be.upload(in[3], 6 * D);
        Tensor qkvW = be.upload(in[4], 3 * D, D), qkvB = be.upload(in[5], 3 * D);
        Tensor projW = be.upload(in[6], D, D), projB = be.upload(in[7], D);
        Tensor fc1W = be.upload(in[8], HIDDEN, D), fc1B = be.upload(in[9], HIDDEN);
        Tensor fc2W = be.upload(in[10], D, HIDDEN), fc2B = be.upload(in[11], D);

        // forward, saving activations
        Tensor mod = be.allocate(B, 6 * D);
        be.linear(siluC, be.pack(adaW), adaB, mod);
        Tensor h1 = be.allocate(rows, D), m1 = be.allocate(rows, D);
        be.layerNorm(x, null, null, EPS, h1);
        be.modulate(h1, mod.colRange(0, D), mod.colRange(D, D), T, m1);
        Tensor qkv = be.allocate(rows, 3 * D), att = be.allocate(rows, D), y1 = be.allocate(rows, D);
        be.linear(m1, be.pack(qkvW), qkvB, qkv);
        Tensor q = qkv.colRange(0, D), k = qkv.colRange(D, D), v = qkv.colRange(2 * D, D);
        be.attention(q, k, v, B, T, HEADS, SCALE, att);
        be.linear(att, be.pack(projW), projB, y1);
        Tensor x1 = be.allocate(rows, D);
        be.copy(x, x1);
        be.gatedAdd(x1, y1, mod.colRange(2 * D, D), T);
        Tensor h2 = be.allocate(rows, D), m2 = be.allocate(rows, D);
        be.layerNorm(x1, null, null, EPS, h2);
        be.modulate(h2, mod.colRange(3 * D, D), mod.colRange(4 * D, D), T, m2);
        Tensor a = be.allocate(rows, HIDDEN), g = be.allocate(rows, HIDDEN), y2 = be.allocate(rows, D);
        be.linear(m2, be.pack(fc1W), fc1B, a);
        be.gelu(a, g);
        be.linear(g, be.pack(fc2W), fc2B, y2);

        // backward; parameter gradients start at zero and accumulate
        Tensor dx1 = be.upload(dOut, rows, D);          // the residual passes the output gradient through
        Tensor dmod = be.allocate(B, 6 * D);
        Tensor dAdaW = be.allocate(6 * D, D), dAdaB = be.allocate(6 * D), dSiluC = be.allocate(B, D);
        Tensor dQkvW = be.allocate(3 * D, D), dQkvB = be.allocate(3 * D);
        Tensor dProjW = be.allocate(D, D), dProjB = be.allocate(D);
        Tensor dFc1W = be.allocate(HIDDEN, D), dFc1B = be.allocate(HIDDEN), dFc2W = be.allocate(D, HIDDEN), dFc2B = be.allocate(D);
        Tensor dy = be.allocate(rows, D), dHidden = be.allocate(rows, HIDDEN), dm = be.allocate(rows, D), dNorm = be.allocate(rows, D);

        be.gatedAddBackward(y2, mod.colRange(5 * D, D), dx1, T, dy, dmod.colRange(5 * D, D));
        be.linearBackward(g, fc2W, dy, dHidden, dFc2W, dFc2B);
        be.geluBackward(a, dHidden, dHidden);
        be.linearBackward(m2, fc1W, dHidden, dm, dFc1W, dFc1B);
        be.modulateBackward(h2, mod.colRange(4 * D, D), dm, T, dm, dmod.colRange(3 * D, D), dmod.colRange(4 * D, D));
        be.layerNormBackward(x1, null, EPS, dm, dNorm, null, null);
        be.axpby(1f, dx1, 1f, dNorm, dx1);                // dx1 = residual path + norm path

        be.gatedAddBackward(y1, mod.colRange(2 * D, D), dx1, T, dy, dmod.colRange(2 * D, D));
        Tensor dAtt = be.allocate(rows, D), dqkv = be.allocate(rows, 3 * D);
        be.linearBackward(att, projW, dy, dAtt, dProjW, dProjB);
        be.attentionBackward(q, k, v, att, dAtt, B, T, HEADS, SCALE, dqkv.colRange(0, D), dqkv.colRange(D, D),
                dqkv.colRange(2 * D, D));
        be.linearBackward(m1, qkvW, dqkv, dm, dQkvW, dQkvB);
        be.modulateBackward(h1, mod.colRange(D, D), dm, T, dm, dmod.colRange(0, D), dmod.colRange(D, D));
        be.layerNormBackward(x, null, EPS, dm, dNorm, null, null);
        Tensor dx = be.allocate(rows, D);
        be.axpby(1f, dx1, 1f, dNorm, dx);

        be.linearBackward(siluC, adaW, dmod, dSiluC, dAdaW, dAdaB);

        Tensor[] out = {dx, dSiluC, dAdaW, dAdaB, dQkvW, dQkvB, dProjW, dProjB, dFc1W, dFc1B, dFc2W, dFc2B};
        float[][] result = new float[out.length][];
        for (int i = 0; i < out.length; i++) {
            result[i] = new float[Math.toIntExact(out[i].size())];
            be.download(out[i], result[i], 0);
        }
        return result;
    }
}
