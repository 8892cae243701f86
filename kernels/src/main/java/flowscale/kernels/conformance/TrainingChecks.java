package flowscale.kernels.conformance;

import flowscale.kernels.Backend;
import flowscale.kernels.TrainingBackend;

import java.util.List;

/**
 * The cases of {@link TrainingConformance}, op by op, with each op's bound (relative error as defined by
 * {@link ErrorMetric}, so relative to {@code max(1, max |reference|)}).
 */
final class TrainingChecks {
    private TrainingChecks() {}

    /**
     * Sums over rows written into (or added to) a float output (sumRows, addBroadcastRowsBackward, the
     * adaLN gradients, embeddingBackward, scale, adamw): a backend that accumulates in double rounds once,
     * one that accumulates over at most 130 rows in float32 stays near {@code sqrt(130) u ~ 7e-7}
     * relative to the largest output; 2e-6 admits both and no wrong coefficient.
     */
    static final double SUMS = 2e-6;

    /**
     * LayerNorm / RMSNorm backward: the row statistics, two row sums ({@code mean(g)},
     * {@code mean(g xhat)}) and the parameter sums over rows; float32 throughout would be ~1e-6 at
     * d = 1024, and {@link Tolerances#NORM} is the forward's bound for the same sums.
     */
    static final double NORM = Tolerances.NORM;

    /**
     * GELU / SiLU gradients: one exp each plus a handful of float32 operations on values up to |x| = 5,
     * where the derivative is evaluated from {@code sigmoid} rather than tanh; 1e-5 allows the
     * vectorised exp and those few roundings.
     */
    static final double ACTIVATION = 1e-5;

    /**
     * Attention backward: the forward's three float32 stages (scores, softmax, weighted sums, see
     * {@link Tolerances#ATTENTION}) plus {@code dP - D} (a difference of two sums of hd products) and
     * sums over up to 67 queries for dk and dv. The cpu backend's worst case here is ~4e-6 (on the
     * huge-score cases); the forward's bound, 5e-5, leaves ten times that for other kernels.
     */
    static final double ATTENTION = Tolerances.ATTENTION;

    static List<OpCheck> all() {
        return List.of(
                new OpCheck("sumRows", SUMS, TrainingChecks::sumRows),
                new OpCheck("addBroadcastRowsBackward", SUMS, TrainingChecks::addBroadcastRowsBackward),
                new OpCheck("layerNormBackward", NORM, h -> norm(h, true)),
                new OpCheck("rmsNormBackward", NORM, h -> norm(h, false)),
                new OpCheck("geluBackward", ACTIVATION, h -> activation(h, true)),
                new OpCheck("siluBackward", ACTIVATION, h -> activation(h, false)),
                new OpCheck("modulateBackward", SUMS, TrainingChecks::modulateBackward),
                new OpCheck("gatedAddBackward", SUMS, TrainingChecks::gatedAddBackward),
                new OpCheck("attentionBackward", ATTENTION, TrainingChecks::attentionBackward),
                new OpCheck("embedding", Tolerances.EXACT, TrainingChecks::embedding),
                new OpCheck("embeddingBackward", SUMS, TrainingChecks::embeddingBackward),
                new OpCheck("adamw", SUMS, TrainingChecks::adamw),
                new OpCheck("scale", SUMS, TrainingChecks::scale));
    }

    private static TrainingBackend t(Backend b) {
        return (TrainingBackend) b;
    }

    /** (rows, width) pairs: single elements, odd widths around vector lengths, a long row. */
    private static int[][] matrixShapes(boolean quick) {
        if (quick) return new int[][] {{1, 1}, {5, 33}, {64, 129}};
        return new int[][] {{1, 1}, {3, 7}, {5, 33}, {64, 129}, {17, 256}, {130, 15}, {2, 1024}};
    }

    private static void sumRows(Harness h) {
        int i = 0;
        for (int[] s : matrixShapes(h.quick)) {
            int rows = s[0], d = s[1];
            boolean accumulate = i++ % 2 == 1;
            Pair dy = h.matrix(rows, d);
            Pair out = h.flat(d, -1, 1);
            h.check("dy " + Harness.shape(rows, d) + (accumulate ? " accumulate" : " overwrite") + ", " + dy.layout(),
                    b -> t(b).sumRows(dy.on(b), out.on(b), accumulate), out);
        }
    }

    private static void addBroadcastRowsBackward(Harness h) {
        int[][] shapes = h.quick ? new int[][] {{1, 1, 1}, {7, 3, 5}, {128, 64, 33}}
                : new int[][] {{1, 1, 1}, {7, 3, 5}, {5, 1, 17}, {64, 64, 256}, {128, 64, 33}, {130, 64, 7}, {33, 33, 129}};
        int i = 0;
        for (int[] s : shapes) {
            int rows = s[0], period = s[1], d = s[2];
            boolean accumulate = i++ % 2 == 0;
            Pair dout = h.matrix(rows, d);
            Pair table = h.matrix(period, d);
            h.check("dout " + Harness.shape(rows, d) + " table " + Harness.shape(period, d)
                            + (accumulate ? " accumulate" : " overwrite") + ", table " + table.layout(),
                    b -> t(b).addBroadcastRowsBackward(dout.on(b), table.on(b), accumulate), table);
        }
    }

    private static void norm(Harness h, boolean layerNorm) {
        int i = 0;
        for (int[] s : matrixShapes(h.quick)) {
            int rows = s[0], d = s[1];
            boolean affine = i % 2 == 0, inPlace = i % 3 == 1, shifted = i % 4 == 2;
            i++;
            Pair x = shifted ? h.matrix(rows, d, 1.0, 3.0) : h.matrix(rows, d);
            Pair dy = h.matrix(rows, d);
            Pair gamma = affine ? h.flat(d, 0.5, 1.5) : null;
            Pair dx = inPlace ? dy : h.matrix(rows, d);
            Pair dgamma = h.flat(d, -1, 1);
            Pair dbeta = layerNorm ? h.flat(d, -1, 1) : null;
            float eps = 1e-5f;
            String label = Harness.shape(rows, d) + (affine ? " affine" : " no affine") + (inPlace ? " in place" : "")
                    + (shifted ? " mean 2" : "") + ", x " + x.layout();
            if (layerNorm) {
                h.check(label, b -> t(b).layerNormBackward(x.on(b), gamma == null ? null : gamma.on(b), eps, dy.on(b),
                        dx.on(b), dgamma.on(b), dbeta.on(b)), dx, dgamma, dbeta);
            } else {
                h.check(label, b -> t(b).rmsNormBackward(x.on(b), gamma == null ? null : gamma.on(b), eps, dy.on(b),
                        dx.on(b), dgamma.on(b)), dx, dgamma);
            }
        }
    }

    private static void activation(Harness h, boolean gelu) {
        int i = 0;
        for (int[] s : matrixShapes(h.quick)) {
            int rows = s[0], d = s[1];
            boolean inPlace = i++ % 2 == 1;
            Pair x = h.matrix(rows, d, -5.0, 5.0);
            Pair dy = h.matrix(rows, d);
            Pair dx = inPlace ? dy : h.matrix(rows, d);
            String label = Harness.shape(rows, d) + (inPlace ? " in place on dy" : "") + ", x " + x.layout();
            if (gelu) h.check(label, b -> t(b).geluBackward(x.on(b), dy.on(b), dx.on(b)), dx);
            else h.check(label, b -> t(b).siluBackward(x.on(b), dy.on(b), dx.on(b)), dx);
        }
    }

    /** (items, tokens per item, width), as in the forward adaLN checks. */
    private static int[][] adaLnShapes(boolean quick) {
        if (quick) return new int[][] {{1, 1, 1}, {2, 5, 33}, {3, 64, 256}};
        return new int[][] {{1, 1, 1}, {1, 5, 7}, {2, 1, 17}, {2, 5, 33}, {3, 3, 65}, {1, 64, 129}, {3, 64, 256}, {2, 7, 127}};
    }

    private static void modulateBackward(Harness h) {
        int i = 0;
        for (int[] s : adaLnShapes(h.quick)) {
            int items = s[0], tokens = s[1], d = s[2];
            boolean inPlace = i++ % 2 == 1;
            Pair x = h.matrix(items * tokens, d);
            Pair scale = h.matrix(items, 6 * d).colRange(d, d);
            Pair dy = h.matrix(items * tokens, d);
            Pair dx = inPlace ? dy : h.matrix(items * tokens, d);
            Pair grads = h.matrix(items, 6 * d);
            Pair dshift = grads.colRange(0, d), dscale = grads.colRange(d, d);
            String label = "B=" + items + " T=" + tokens + " d=" + d + (inPlace ? " in place" : "") + ", x " + x.layout();
            h.check(label, b -> t(b).modulateBackward(x.on(b), scale.on(b), dy.on(b), tokens, dx.on(b), dshift.on(b),
                    dscale.on(b)), dx, grads);
        }
    }

    private static void gatedAddBackward(Harness h) {
        for (int[] s : adaLnShapes(h.quick)) {
            int items = s[0], tokens = s[1], d = s[2];
            Pair y = h.matrix(items * tokens, d);
            Pair gate = h.matrix(items, 6 * d).colRange(2 * d, d);
            Pair dres = h.matrix(items * tokens, d);
            Pair dy = h.matrix(items * tokens, d);
            Pair grads = h.matrix(items, 6 * d);
            Pair dgate = grads.colRange(2 * d, d);
            String label = "B=" + items + " T=" + tokens + " d=" + d + ", y " + y.layout() + ", gate " + gate.layout();
            h.check(label, b -> t(b).gatedAddBackward(y.on(b), gate.on(b), dres.on(b), tokens, dy.on(b), dgate.on(b)),
                    dy, grads, dres);
        }
    }

    private static void attentionBackward(Harness h) {
        int[] seqs = h.quick ? new int[] {1, 37} : new int[] {1, 5, 37, 67};
        int[] headDims = h.quick ? new int[] {16} : new int[] {16, 32};
        int i = 0;
        for (int seq : seqs) {
            for (int hd : headDims) {
                int heads = 1 + i % 4, batch = 1 + i % 3;
                boolean fused = i % 2 == 1, huge = i % 5 == 4;
                float scale = (float) ((huge ? 40.0 : 1.0) / Math.sqrt(hd));
                i++;
                int rows = batch * seq, width = heads * hd;
                Pair q, k, v, dq, dk, dv, grads;
                if (fused) {
                    Pair qkv = h.matrix(rows, 3 * width);
                    q = qkv.colRange(0, width);
                    k = qkv.colRange(width, width);
                    v = qkv.colRange(2 * width, width);
                    grads = h.matrix(rows, 3 * width);
                    dq = grads.colRange(0, width);
                    dk = grads.colRange(width, width);
                    dv = grads.colRange(2 * width, width);
                } else {
                    q = h.matrix(rows, width);
                    k = h.matrix(rows, width);
                    v = h.matrix(rows, width);
                    dq = h.matrix(rows, width);
                    dk = h.matrix(rows, width);
                    dv = h.matrix(rows, width);
                    grads = null;
                }
                Pair out = h.matrix(rows, width);
                Pair dout = h.matrix(rows, width);
                String label = "B=" + batch + " S=" + seq + " H=" + heads + " hd=" + hd + " scale=" + scale
                        + (fused ? " fused qkv/dqkv" : " separate") + (huge ? " (huge scores)" : "");
                // Each backend's backward gets its own forward output, as in training.
                java.util.function.Consumer<Backend> op = b -> {
                    b.attention(q.on(b), k.on(b), v.on(b), batch, seq, heads, scale, out.on(b));
                    t(b).attentionBackward(q.on(b), k.on(b), v.on(b), out.on(b), dout.on(b), batch, seq, heads, scale,
                            dq.on(b), dk.on(b), dv.on(b));
                };
                if (fused) h.check(label, op, grads);
                else h.check(label, op, dq, dk, dv);
            }
        }
    }

    /** (vocabulary, width, number of ids). */
    private static int[][] embeddingShapes(boolean quick) {
        if (quick) return new int[][] {{1, 1, 1}, {13, 33, 20}};
        return new int[][] {{1, 1, 1}, {4, 5, 9}, {13, 33, 20}, {7, 129, 3}, {30, 256, 64}};
    }

    private static int[] ids(Harness h, int vocab, int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = h.random.nextInt(vocab);
        return ids;
    }

    private static void embedding(Harness h) {
        for (int[] s : embeddingShapes(h.quick)) {
            int vocab = s[0], d = s[1], n = s[2];
            int[] ids = ids(h, vocab, n);
            Pair table = h.matrix(vocab, d);
            Pair out = h.matrix(n, d);
            h.check("V=" + vocab + " d=" + d + " ids=" + n + ", out " + out.layout(),
                    b -> t(b).embedding(ids, table.on(b), out.on(b)), out);
        }
    }

    private static void embeddingBackward(Harness h) {
        for (int[] s : embeddingShapes(h.quick)) {
            int vocab = s[0], d = s[1], n = s[2];
            int[] ids = ids(h, vocab, n);
            Pair dy = h.matrix(n, d);
            Pair table = h.matrix(vocab, d);
            h.check("V=" + vocab + " d=" + d + " ids=" + n + " (repeats accumulate), table " + table.layout(),
                    b -> t(b).embeddingBackward(ids, dy.on(b), table.on(b)), table);
        }
    }

    private static void adamw(Harness h) {
        int[] sizes = h.quick ? new int[] {1, 1000} : new int[] {1, 7, 33, 1000, 4099};
        long[] steps = {1, 2, 10, 1000};
        int i = 0;
        for (int n : sizes) {
            long step = steps[i % steps.length];
            float weightDecay = i % 2 == 0 ? 0.0f : 0.1f;
            i++;
            Pair param = h.flat(n, -1, 1), grad = h.flat(n, -1, 1), m = h.flat(n, -0.1, 0.1), v = h.flat(n, 0.0, 0.01);
            h.check("n=" + n + " step " + step + " weightDecay " + weightDecay,
                    b -> t(b).adamw(param.on(b), grad.on(b), m.on(b), v.on(b), 1e-3f, 0.9f, 0.999f, 1e-8f, weightDecay, step),
                    param, m, v);
        }
    }

    private static void scale(Harness h) {
        for (int[] s : matrixShapes(h.quick)) {
            Pair x = h.matrix(s[0], s[1]);
            h.check(Harness.shape(s[0], s[1]) + ", " + x.layout(), b -> t(b).scale(x.on(b), -0.37f), x);
        }
    }
}
