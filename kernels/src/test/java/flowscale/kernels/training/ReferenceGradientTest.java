package flowscale.kernels.training;

import flowscale.kernels.Tensor;
import flowscale.kernels.reference.ReferenceBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.Function;

import static flowscale.kernels.training.FiniteDifference.assertClose;
import static flowscale.kernels.training.FiniteDifference.widen;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every backward op of the reference backend against central finite differences of an independent double
 * forward ({@link DoubleForward}): relative error below 1e-6 per element. The reference computes each
 * gradient in double and rounds once, so the only float error is that final rounding (~6e-8).
 * Sizes are odd, sequences not multiples of any block, several heads.
 */
class ReferenceGradientTest {
    private static final double TOL = 1e-6;

    private final ReferenceBackend be = new ReferenceBackend();
    private final SplittableRandom random = new SplittableRandom(20261122L);

    @AfterEach
    void close() {
        be.close();
    }

    private float[] uniform(int n, double lo, double hi) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (lo + (hi - lo) * random.nextDouble());
        return a;
    }

    private float[] get(Tensor t) {
        float[] a = new float[Math.toIntExact(t.size())];
        be.download(t, a, 0);
        return a;
    }

    /** FD of {@code f} with respect to input {@code which}, compared with {@code analytic}. */
    private static void check(String what, float[] analytic, float[][] inputs, int which, float[] dy,
                              Function<double[][], double[]> f) {
        double[][] in = new double[inputs.length][];
        for (int i = 0; i < inputs.length; i++) in[i] = inputs[i] == null ? null : widen(inputs[i]);
        assertClose(what, analytic, FiniteDifference.gradient(in, which, widen(dy), f), TOL);
    }

    @Test
    void linearBackwardGivesInputWeightAndBiasGradients() {
        int m = 5, k = 7, n = 3;
        float[] x = uniform(m * k, -1, 1), w = uniform(n * k, -1, 1), b = uniform(n, -1, 1), dy = uniform(m * n, -1, 1);
        Tensor dx = be.upload(uniform(m * k, -9, 9), m, k); // overwritten: old contents must not matter
        Tensor dw = be.allocate(n, k), db = be.allocate(n);
        be.linearBackward(be.upload(x, m, k), be.upload(w, n, k), be.upload(dy, m, n), dx, dw, db);
        float[][] in = {x, w, b};
        Function<double[][], double[]> f = a -> DoubleForward.linear(a[0], a[1], a[2], m, k, n);
        check("dx", get(dx), in, 0, dy, f);
        check("dw", get(dw), in, 1, dy, f);
        check("db", get(db), in, 2, dy, f);
    }

    @Test
    void parameterGradientsAccumulate() {
        int m = 4, k = 3, n = 5;
        float[] x = uniform(m * k, -1, 1), w = uniform(n * k, -1, 1), dy = uniform(m * n, -1, 1);
        Tensor dw = be.allocate(n, k), db = be.allocate(n);
        Tensor xt = be.upload(x, m, k), wt = be.upload(w, n, k), dyt = be.upload(dy, m, n);
        be.linearBackward(xt, wt, dyt, null, dw, db);
        float[] once = get(dw), onceB = get(db);
        be.linearBackward(xt, wt, dyt, null, dw, db);
        float[] twice = get(dw), twiceB = get(db);
        for (int i = 0; i < once.length; i++) assertEquals(2.0 * once[i], twice[i], 1e-6 * Math.abs(once[i]) + 1e-7);
        for (int i = 0; i < onceB.length; i++) assertEquals(2.0 * onceB[i], twiceB[i], 1e-6 * Math.abs(onceB[i]) + 1e-7);
    }

    @Test
    void sumRowsOverwritesOrAccumulates() {
        int rows = 6, d = 5;
        float[] dy = uniform(rows * d, -1, 1);
        Tensor out = be.upload(uniform(d, 5, 6), 1, d);
        float[] before = get(out);
        be.sumRows(be.upload(dy, rows, d), out, true);
        float[] accumulated = get(out);
        be.sumRows(be.upload(dy, rows, d), out, false);
        float[] overwritten = get(out);
        for (int j = 0; j < d; j++) {
            double s = 0.0;
            for (int r = 0; r < rows; r++) s += dy[r * d + j];
            assertEquals((float) s, overwritten[j]);
            assertEquals((float) (before[j] + s), accumulated[j]);
        }
    }

    @Test
    void layerNormBackwardWithAndWithoutAffine() {
        for (boolean affine : new boolean[] {true, false}) {
            int rows = 4, d = 9;
            float[] x = uniform(rows * d, -1, 3), gamma = affine ? uniform(d, 0.5, 1.5) : null;
            float[] beta = affine ? uniform(d, -1, 1) : null, dy = uniform(rows * d, -1, 1);
            float eps = 1e-5f;
            Tensor dx = be.allocate(rows, d), dgamma = be.allocate(d), dbeta = be.allocate(d);
            be.layerNormBackward(be.upload(x, rows, d), affine ? be.upload(gamma, d) : null, eps, be.upload(dy, rows, d),
                    dx, dgamma, dbeta);
            float[][] in = {x, gamma, beta};
            // dgamma / dbeta are defined even without affine parameters: the gradient at gamma = 1, beta = 0.
            float[][] withOnes = {x, affine ? gamma : ones(d), affine ? beta : new float[d]};
            Function<double[][], double[]> f = a -> DoubleForward.norm(true, a[0], a[1], a[2], eps, rows, d);
            String tag = affine ? " (affine)" : " (no affine)";
            check("layerNorm dx" + tag, get(dx), in, 0, dy, f);
            check("layerNorm dgamma" + tag, get(dgamma), withOnes, 1, dy, f);
            check("layerNorm dbeta" + tag, get(dbeta), withOnes, 2, dy, f);
        }
    }

    @Test
    void layerNormBackwardInPlaceOnDy() {
        int rows = 3, d = 7;
        float[] x = uniform(rows * d, -1, 1), gamma = uniform(d, 0.5, 1.5), dy = uniform(rows * d, -1, 1);
        Tensor dyt = be.upload(dy, rows, d);
        be.layerNormBackward(be.upload(x, rows, d), be.upload(gamma, d), 1e-6f, dyt, dyt, null, null);
        check("layerNorm dx in place", get(dyt), new float[][] {x, gamma}, 0, dy,
                a -> DoubleForward.norm(true, a[0], a[1], null, 1e-6f, rows, d));
    }

    @Test
    void rmsNormBackwardWithAndWithoutGamma() {
        for (boolean affine : new boolean[] {true, false}) {
            int rows = 5, d = 11;
            float[] x = uniform(rows * d, -2, 2), gamma = affine ? uniform(d, 0.5, 1.5) : ones(d), dy = uniform(rows * d, -1, 1);
            float eps = 1e-6f;
            Tensor dx = be.allocate(rows, d), dgamma = be.allocate(d);
            be.rmsNormBackward(be.upload(x, rows, d), affine ? be.upload(gamma, d) : null, eps, be.upload(dy, rows, d), dx, dgamma);
            float[][] in = {x, gamma};
            Function<double[][], double[]> f = a -> DoubleForward.norm(false, a[0], a[1], null, eps, rows, d);
            check("rmsNorm dx", get(dx), in, 0, dy, f);
            check("rmsNorm dgamma", get(dgamma), in, 1, dy, f);
        }
    }

    @Test
    void activationsBackward() {
        int n = 37;
        float[] x = uniform(n, -5, 5), dy = uniform(n, -1, 1);
        Tensor dx = be.allocate(n);
        be.geluBackward(be.upload(x, n), be.upload(dy, n), dx);
        check("gelu dx", get(dx), new float[][] {x}, 0, dy, a -> DoubleForward.gelu(a[0]));
        Tensor dyInPlace = be.upload(dy, n);
        be.siluBackward(be.upload(x, n), dyInPlace, dyInPlace);
        check("silu dx (in place)", get(dyInPlace), new float[][] {x}, 0, dy, a -> DoubleForward.silu(a[0]));
    }

    @Test
    void modulateBackwardOnColumnChunks() {
        int items = 2, tokens = 3, d = 5, rows = items * tokens;
        float[] x = uniform(rows * d, -1, 1), shift = uniform(items * d, -1, 1), scale = uniform(items * d, -1, 1);
        float[] dy = uniform(rows * d, -1, 1);
        // scale / dshift / dscale as column chunks of [B, 6d] buffers, as in a DiT block.
        float[] ada = new float[items * 6 * d];
        for (int b = 0; b < items; b++) System.arraycopy(scale, b * d, ada, b * 6 * d + d, d);
        Tensor adaT = be.upload(ada, items, 6 * d);
        Tensor grads = be.upload(uniform(items * 6 * d, -1, 1), items, 6 * d);
        float[] gradsBefore = get(grads);
        Tensor dshift = grads.colRange(0, d), dscale = grads.colRange(d, d);
        Tensor dx = be.allocate(rows, d);
        be.modulateBackward(be.upload(x, rows, d), adaT.colRange(d, d), be.upload(dy, rows, d), tokens, dx, dshift, dscale);
        float[] after = get(grads);
        float[] dShift = new float[items * d], dScale = new float[items * d];
        for (int b = 0; b < items; b++) {
            for (int j = 0; j < 6 * d; j++) {
                int i = b * 6 * d + j;
                if (j < d) dShift[b * d + j] = (float) ((double) after[i] - gradsBefore[i]);
                else if (j < 2 * d) dScale[b * d + j - d] = (float) ((double) after[i] - gradsBefore[i]);
                else assertEquals(gradsBefore[i], after[i], "column " + j + " outside dshift/dscale was written");
            }
        }
        float[][] in = {x, shift, scale};
        Function<double[][], double[]> f = a -> DoubleForward.modulate(a[0], a[1], a[2], tokens, d);
        check("modulate dx", get(dx), in, 0, dy, f);
        // The accumulated values were added to floats in [-1, 1], so they carry that rounding (~6e-8 absolute).
        assertClose("modulate dshift", dShift, FiniteDifference.gradient(wide(in), 1, widen(dy), f), 1e-5);
        assertClose("modulate dscale", dScale, FiniteDifference.gradient(wide(in), 2, widen(dy), f), 1e-5);
    }

    @Test
    void gatedAddBackward() {
        int items = 3, tokens = 2, d = 7, rows = items * tokens;
        float[] residual = uniform(rows * d, -1, 1), y = uniform(rows * d, -1, 1), gate = uniform(items * d, -1, 1);
        float[] dres = uniform(rows * d, -1, 1);
        Tensor dy = be.allocate(rows, d), dgate = be.allocate(items, d);
        Tensor dresT = be.upload(dres, rows, d);
        be.gatedAddBackward(be.upload(y, rows, d), be.upload(gate, items, d), dresT, tokens, dy, dgate);
        assertArrayEquals(dres, get(dresT), "dres must be left as it was");
        float[][] in = {residual, y, gate};
        Function<double[][], double[]> f = a -> DoubleForward.gatedAdd(a[0], a[1], a[2], tokens, d);
        check("gatedAdd dresidual (identity)", dres, in, 0, dres, f);
        check("gatedAdd dy", get(dy), in, 1, dres, f);
        check("gatedAdd dgate", get(dgate), in, 2, dres, f);
    }

    @Test
    void addBroadcastRowsBackward() {
        int rows = 7, period = 3, d = 5;
        float[] x = uniform(rows * d, -1, 1), y = uniform(period * d, -1, 1), dout = uniform(rows * d, -1, 1);
        Tensor dTable = be.upload(uniform(period * d, 3, 4), period, d);
        be.addBroadcastRowsBackward(be.upload(dout, rows, d), dTable, false);
        check("addBroadcastRows dy", get(dTable), new float[][] {x, y}, 1, dout,
                a -> DoubleForward.addBroadcastRows(a[0], a[1], period, d));
    }

    @Test
    void attentionBackwardSeveralHeadsOddSizes() {
        attentionCase(2, 5, 3, 4, (float) (1 / Math.sqrt(4)), false);
        attentionCase(1, 7, 2, 3, 3.0f, true); // sharp softmax; q, k, v and dq, dk, dv as chunks of fused buffers
        attentionCase(3, 1, 1, 2, 0.7f, false); // one key: the softmax is constant, dq = dk = 0 exactly
    }

    private void attentionCase(int batch, int seq, int heads, int hd, float scale, boolean fused) {
        int rows = batch * seq, width = heads * hd;
        float[] q = uniform(rows * width, -1, 1), k = uniform(rows * width, -1, 1), v = uniform(rows * width, -1, 1);
        float[] dout = uniform(rows * width, -1, 1);
        Tensor qt, kt, vt, dq, dk, dv;
        if (fused) {
            float[] qkv = new float[rows * 3 * width];
            for (int r = 0; r < rows; r++) {
                System.arraycopy(q, r * width, qkv, r * 3 * width, width);
                System.arraycopy(k, r * width, qkv, r * 3 * width + width, width);
                System.arraycopy(v, r * width, qkv, r * 3 * width + 2 * width, width);
            }
            Tensor all = be.upload(qkv, rows, 3 * width), grads = be.allocate(rows, 3 * width);
            qt = all.colRange(0, width);
            kt = all.colRange(width, width);
            vt = all.colRange(2 * width, width);
            dq = grads.colRange(0, width);
            dk = grads.colRange(width, width);
            dv = grads.colRange(2 * width, width);
        } else {
            qt = be.upload(q, rows, width);
            kt = be.upload(k, rows, width);
            vt = be.upload(v, rows, width);
            dq = be.allocate(rows, width);
            dk = be.allocate(rows, width);
            dv = be.allocate(rows, width);
        }
        Tensor out = be.allocate(rows, width);
        be.attention(qt, kt, vt, batch, seq, heads, scale, out);
        be.attentionBackward(qt, kt, vt, out, be.upload(dout, rows, width), batch, seq, heads, scale, dq, dk, dv);
        float[][] in = {q, k, v};
        Function<double[][], double[]> f = a -> DoubleForward.attention(a[0], a[1], a[2], batch, seq, heads, hd, scale);
        String tag = " B=" + batch + " S=" + seq + " H=" + heads + " hd=" + hd;
        if (seq == 1) {
            assertArrayEquals(new float[rows * width], get(dq), "dq" + tag);
            assertArrayEquals(new float[rows * width], get(dk), "dk" + tag);
        } else {
            check("attention dq" + tag, get(dq), in, 0, dout, f);
            check("attention dk" + tag, get(dk), in, 1, dout, f);
        }
        check("attention dv" + tag, get(dv), in, 2, dout, f);
    }

    @Test
    void embeddingGatherAndScatterAdd() {
        int vocab = 6, d = 5;
        int[] ids = {4, 0, 4, 2, 4, 5};
        float[] table = uniform(vocab * d, -1, 1), dy = uniform(ids.length * d, -1, 1);
        Tensor tableT = be.upload(table, vocab, d), out = be.allocate(ids.length, d);
        be.embedding(ids, tableT, out);
        float[] gathered = get(out);
        for (int i = 0; i < ids.length; i++) {
            for (int j = 0; j < d; j++) assertEquals(table[ids[i] * d + j], gathered[i * d + j]);
        }
        Tensor dTable = be.allocate(vocab, d);
        be.embeddingBackward(ids, be.upload(dy, ids.length, d), dTable);
        check("embedding dTable", get(dTable), new float[][] {table}, 0, dy, a -> DoubleForward.embedding(ids, a[0], d));
        assertThrows(IllegalArgumentException.class, () -> be.embeddingBackward(new int[] {0, 6, 0, 0, 0, 0},
                be.upload(dy, ids.length, d), dTable));
    }

    @Test
    void patchifyAndUnpatchifyBackward() {
        int batch = 2, c = 3, h = 4, w = 6, p = 2, tokens = batch * (h / p) * (w / p), feat = c * p * p;
        float[] img = uniform(batch * c * h * w, -1, 1), dTokens = uniform(tokens * feat, -1, 1);
        Tensor dImg = be.allocate(batch, c, h, w);
        be.patchifyBackward(be.upload(dTokens, tokens, feat), c, h, w, p, dImg);
        check("patchify dimg", get(dImg), new float[][] {img}, 0, dTokens, a -> DoubleForward.patchify(a[0], batch, c, h, w, p));
        // unpatchify's gradient: its forward is the inverse permutation, so <dImg, unpatchify(t)> = <patchify(dImg), t>.
        float[] dImgIn = uniform(img.length, -1, 1);
        Tensor dTok = be.allocate(tokens, feat);
        be.unpatchifyBackward(be.upload(dImgIn, batch, c, h, w), c, h, w, p, dTok);
        assertArrayEquals(toFloat(DoubleForward.patchify(widen(dImgIn), batch, c, h, w, p)), get(dTok));
    }

    @Test
    void adamwMatchesItsFormulaOverSeveralSteps() {
        int n = 13;
        float lr = 1e-2f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f, wd = 0.1f;
        float[] p0 = uniform(n, -1, 1);
        Tensor p = be.upload(p0, n), m = be.allocate(n), v = be.allocate(n);
        double[] ep = widen(p0), em = new double[n], ev = new double[n];
        for (int step = 1; step <= 3; step++) {
            float[] g = uniform(n, -1, 1);
            if (step == 2) g[0] = 0f;
            be.adamw(p, be.upload(g, n), m, v, lr, b1, b2, eps, wd, step);
            for (int i = 0; i < n; i++) {
                em[i] = b1 * em[i] + (1 - (double) b1) * g[i];
                ev[i] = b2 * ev[i] + (1 - (double) b2) * g[i] * g[i];
                double mhat = em[i] / (1 - Math.pow(b1, step)), vhat = ev[i] / (1 - Math.pow(b2, step));
                ep[i] = ep[i] * (1 - (double) lr * wd) - lr * mhat / (Math.sqrt(vhat) + eps);
            }
            float[] got = get(p);
            for (int i = 0; i < n; i++) assertEquals(ep[i], got[i], 1e-6 * Math.abs(ep[i]) + 1e-7, "param " + i + " step " + step);
        }
        assertThrows(IllegalArgumentException.class, () -> be.adamw(p, p, m, v, lr, b1, b2, eps, wd, 0));
        assertThrows(IllegalArgumentException.class, () -> be.adamw(p, p, m, v, lr, 1.0f, b2, eps, wd, 1));
    }

    @Test
    void clipGradientNormScalesOnlyAboveTheBound() {
        Tensor a = be.upload(new float[] {3, 0}, 2), b = be.upload(new float[] {0, 4, 0}, 3);
        assertEquals(5.0, be.clipGradientNorm(10.0, a, b), 1e-12);
        assertArrayEquals(new float[] {3, 0}, get(a));
        assertEquals(5.0, be.clipGradientNorm(1.0, a, b), 1e-12);
        assertArrayEquals(new float[] {0.6f, 0}, get(a), 1e-7f);
        assertArrayEquals(new float[] {0, 0.8f, 0}, get(b), 1e-7f);
        be.scale(b, -2f);
        assertArrayEquals(new float[] {0, -1.6f, 0}, get(b), 1e-7f);
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) f[i] = (float) a[i];
        return f;
    }

    private static double[][] wide(float[][] in) {
        double[][] d = new double[in.length][];
        for (int i = 0; i < in.length; i++) d[i] = widen(in[i]);
        return d;
    }
}
