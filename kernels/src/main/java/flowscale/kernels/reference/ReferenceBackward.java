package flowscale.kernels.reference;

import flowscale.kernels.HostBackend;
import flowscale.kernels.Tensor;
import flowscale.kernels.AdamWCoefficients;
import flowscale.kernels.TrainingBackend;

import java.util.Arrays;

import static flowscale.kernels.reference.ArgumentChecks.itemCount;
import static flowscale.kernels.reference.ArgumentChecks.requireNoOverlap;
import static flowscale.kernels.reference.ArgumentChecks.requireSameSize;
import static flowscale.kernels.reference.ArgumentChecks.requireShape;
import static flowscale.kernels.reference.ArgumentChecks.shape;

/**
 * The training half of the reference backend: every {@link TrainingBackend} op in scalar Java. Each
 * output element is computed in double from the float inputs and rounded to float once (an accumulated
 * output is read, added to in double, and rounded once), so these gradients are the oracle the fast
 * backends are compared with. {@link ReferenceBackend} extends this class, keeping the forward file as it was.
 */
public abstract class ReferenceBackward extends HostBackend implements TrainingBackend {

    // ---------------------------------------------------------------- reductions

    @Override
    public void sumRows(Tensor dy, Tensor out, boolean accumulate) {
        HostView dv = matrixOf(dy, "sumRows dy");
        int rows = dy.rows(), d = dy.cols();
        HostView ov = vectorOf(out, "sumRows out", d);
        for (int j = 0; j < d; j++) {
            double acc = accumulate ? ov.get(j) : 0.0;
            for (int r = 0; r < rows; r++) acc += dv.get(r, j);
            ov.set(j, (float) acc);
        }
    }

    @Override
    public void addBroadcastRowsBackward(Tensor dout, Tensor dyTable, boolean accumulate) {
        HostView dv = matrixOf(dout, "addBroadcastRowsBackward dout");
        HostView tv = matrixOf(dyTable, "addBroadcastRowsBackward dyTable");
        int rows = dout.rows(), d = dout.cols(), period = dyTable.rows();
        if (dyTable.cols() != d) {
            throw new IllegalArgumentException("addBroadcastRowsBackward: dout " + shape(dout) + " and dyTable "
                    + shape(dyTable) + " differ in columns");
        }
        if (period == 0 && rows > 0) {
            throw new IllegalArgumentException("addBroadcastRowsBackward: dyTable " + shape(dyTable) + " has no rows");
        }
        requireNoOverlap(dyTable, dout, "addBroadcastRowsBackward", "dyTable", "dout");
        for (int p = 0; p < period; p++) {
            for (int j = 0; j < d; j++) {
                double acc = accumulate ? tv.get(p, j) : 0.0;
                for (int r = p; r < rows; r += period) acc += dv.get(r, j);
                tv.set(p, j, (float) acc);
            }
        }
    }

    // ---------------------------------------------------------------- normalisation and activations

    @Override
    public void layerNormBackward(Tensor x, Tensor gamma, float eps, Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta) {
        normBackward("layerNormBackward", true, x, gamma, eps, dy, dx, dgamma, dbeta);
    }

    @Override
    public void rmsNormBackward(Tensor x, Tensor gamma, float eps, Tensor dy, Tensor dx, Tensor dgamma) {
        normBackward("rmsNormBackward", false, x, gamma, eps, dy, dx, dgamma, null);
    }

    /** LayerNorm ({@code centred}) or RMSNorm backward; see the interface for the formulas. */
    private void normBackward(String op, boolean centred, Tensor x, Tensor gamma, float eps, Tensor dy, Tensor dx,
                              Tensor dgamma, Tensor dbeta) {
        HostView xv = matrixOf(x, op + " x");
        HostView dyv = matrixOf(dy, op + " dy");
        HostView dxv = matrixOf(dx, op + " dx");
        int rows = x.rows(), d = x.cols();
        requireShape(dy, op + " dy", rows, d);
        requireShape(dx, op + " dx", rows, d);
        if (dx != dy) requireNoOverlap(dx, dy, op, "dx", "dy");
        requireNoOverlap(dx, x, op, "dx", "x");
        HostView gv = gamma == null ? null : vectorOf(gamma, op + " gamma", d);
        HostView dgv = dgamma == null ? null : vectorOf(dgamma, op + " dgamma", d);
        HostView dbv = dbeta == null ? null : vectorOf(dbeta, op + " dbeta", d);
        double[] dgammaAcc = new double[d];
        double[] dbetaAcc = new double[d];
        double[] xhat = new double[d];
        double[] g = new double[d];
        for (int r = 0; r < rows; r++) {
            double mean = 0.0;
            if (centred) {
                for (int j = 0; j < d; j++) mean += xv.get(r, j);
                mean /= d;
            }
            double squares = 0.0;
            for (int j = 0; j < d; j++) {
                double dev = xv.get(r, j) - mean;
                squares += dev * dev;
            }
            double rstd = 1.0 / Math.sqrt(squares / d + eps);
            double meanG = 0.0, meanGX = 0.0;
            for (int j = 0; j < d; j++) {
                double dyj = dyv.get(r, j);
                xhat[j] = (xv.get(r, j) - mean) * rstd;
                g[j] = gv == null ? dyj : dyj * gv.get(j);
                meanG += g[j];
                meanGX += g[j] * xhat[j];
                dgammaAcc[j] += dyj * xhat[j];
                dbetaAcc[j] += dyj;
            }
            meanG /= d;
            meanGX /= d;
            for (int j = 0; j < d; j++) {
                double centredG = centred ? g[j] - meanG : g[j];
                dxv.set(r, j, (float) (rstd * (centredG - xhat[j] * meanGX)));
            }
        }
        for (int j = 0; j < d; j++) {
            if (dgv != null) dgv.set(j, (float) (dgv.get(j) + dgammaAcc[j]));
            if (dbv != null) dbv.set(j, (float) (dbv.get(j) + dbetaAcc[j]));
        }
    }

    /** sqrt(2 / pi) and the cubic coefficient of the tanh form of GELU. */
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_A = 0.044715;

    @Override
    public void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        HostView xv = viewOf(x, "geluBackward x");
        HostView dyv = viewOf(dy, "geluBackward dy");
        HostView dxv = viewOf(dx, "geluBackward dx");
        requireSameSize("geluBackward", x, dy);
        requireSameSize("geluBackward", x, dx);
        for (long i = 0; i < xv.size(); i++) {
            double v = xv.get(i);
            double th = Math.tanh(GELU_C * (v + GELU_A * v * v * v));
            double derivative = 0.5 * (1.0 + th) + 0.5 * v * (1.0 - th * th) * GELU_C * (1.0 + 3.0 * GELU_A * v * v);
            dxv.set(i, (float) (dyv.get(i) * derivative));
        }
    }

    @Override
    public void siluBackward(Tensor x, Tensor dy, Tensor dx) {
        HostView xv = viewOf(x, "siluBackward x");
        HostView dyv = viewOf(dy, "siluBackward dy");
        HostView dxv = viewOf(dx, "siluBackward dx");
        requireSameSize("siluBackward", x, dy);
        requireSameSize("siluBackward", x, dx);
        for (long i = 0; i < xv.size(); i++) {
            double v = xv.get(i);
            double s = 1.0 / (1.0 + Math.exp(-v));
            dxv.set(i, (float) (dyv.get(i) * s * (1.0 + v * (1.0 - s))));
        }
    }

    // ---------------------------------------------------------------- adaLN

    @Override
    public void modulateBackward(Tensor x, Tensor scale, Tensor dy, int tokensPerItem, Tensor dx, Tensor dshift,
                                 Tensor dscale) {
        String op = "modulateBackward";
        HostView xv = matrixOf(x, op + " x");
        HostView scv = matrixOf(scale, op + " scale");
        HostView dyv = matrixOf(dy, op + " dy");
        HostView dxv = matrixOf(dx, op + " dx");
        HostView dshv = matrixOf(dshift, op + " dshift");
        HostView dscv = matrixOf(dscale, op + " dscale");
        int items = itemCount(op, x, tokensPerItem);
        int d = x.cols();
        requireShape(scale, op + " scale", items, d);
        requireShape(dy, op + " dy", x.rows(), d);
        requireShape(dx, op + " dx", x.rows(), d);
        requireShape(dshift, op + " dshift", items, d);
        requireShape(dscale, op + " dscale", items, d);
        if (dx != dy) requireNoOverlap(dx, dy, op, "dx", "dy");
        requireNoOverlap(dx, x, op, "dx", "x");
        requireNoOverlap(dshift, dscale, op, "dshift", "dscale");
        for (int b = 0; b < items; b++) {
            for (int j = 0; j < d; j++) {
                double shiftAcc = dshv.get(b, j), scaleAcc = dscv.get(b, j);
                double factor = 1.0 + scv.get(b, j);
                for (int t = 0; t < tokensPerItem; t++) {
                    int r = b * tokensPerItem + t;
                    double g = dyv.get(r, j);
                    shiftAcc += g;
                    scaleAcc += g * xv.get(r, j);
                    dxv.set(r, j, (float) (g * factor));
                }
                dshv.set(b, j, (float) shiftAcc);
                dscv.set(b, j, (float) scaleAcc);
            }
        }
    }

    @Override
    public void gatedAddBackward(Tensor y, Tensor gate, Tensor dres, int tokensPerItem, Tensor dy, Tensor dgate) {
        String op = "gatedAddBackward";
        HostView yv = matrixOf(y, op + " y");
        HostView gv = matrixOf(gate, op + " gate");
        HostView drv = matrixOf(dres, op + " dres");
        HostView dyv = matrixOf(dy, op + " dy");
        HostView dgv = matrixOf(dgate, op + " dgate");
        int items = itemCount(op, y, tokensPerItem);
        int d = y.cols();
        requireShape(gate, op + " gate", items, d);
        requireShape(dres, op + " dres", y.rows(), d);
        requireShape(dy, op + " dy", y.rows(), d);
        requireShape(dgate, op + " dgate", items, d);
        requireNoOverlap(dy, dres, op, "dy", "dres");
        requireNoOverlap(dy, y, op, "dy", "y");
        for (int b = 0; b < items; b++) {
            for (int j = 0; j < d; j++) {
                double gateAcc = dgv.get(b, j);
                double gj = gv.get(b, j);
                for (int t = 0; t < tokensPerItem; t++) {
                    int r = b * tokensPerItem + t;
                    double g = drv.get(r, j);
                    gateAcc += g * yv.get(r, j);
                    dyv.set(r, j, (float) (g * gj));
                }
                dgv.set(b, j, (float) gateAcc);
            }
        }
    }

    // ---------------------------------------------------------------- attention

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor dout, int batch, int seq, int heads,
                                  float scale, Tensor dq, Tensor dk, Tensor dv) {
        String op = "attentionBackward";
        if (batch < 0 || seq < 0 || heads <= 0) {
            throw new IllegalArgumentException(op + ": batch " + batch + ", seq " + seq + ", heads " + heads
                    + " must be non-negative with at least one head");
        }
        HostView qv = matrixOf(q, op + " q");
        HostView kv = matrixOf(k, op + " k");
        HostView vv = matrixOf(v, op + " v");
        matrixOf(out, op + " out");
        HostView dov = matrixOf(dout, op + " dout");
        HostView dqv = matrixOf(dq, op + " dq");
        HostView dkv = matrixOf(dk, op + " dk");
        HostView dvv = matrixOf(dv, op + " dv");
        int rows = Math.multiplyExact(batch, seq);
        int width = q.cols();
        if (width % heads != 0) {
            throw new IllegalArgumentException(op + ": q " + shape(q) + " has " + width + " columns, not a multiple of "
                    + heads + " heads");
        }
        Tensor[] all = {q, k, v, out, dout, dq, dk, dv};
        String[] names = {"q", "k", "v", "out", "dout", "dq", "dk", "dv"};
        for (int i = 0; i < all.length; i++) requireShape(all[i], op + " " + names[i], rows, width);
        for (int o = 5; o < all.length; o++) {
            for (int i = 0; i < all.length; i++) {
                if (i != o) requireNoOverlap(all[o], all[i], op, names[o], names[i]);
            }
        }
        int hd = width / heads;
        // The reference keeps one softmax row at a time and takes D_i = sum_j P_ij dP_ij, which equals
        // rowsum(dout * out) exactly but does not depend on the float rounding of the given out.
        double[] p = new double[seq];
        double[] dp = new double[seq];
        double[] dkAcc = new double[seq * hd];
        double[] dvAcc = new double[seq * hd];
        for (int b = 0; b < batch; b++) {
            int base = b * seq;
            for (int h = 0; h < heads; h++) {
                int col = h * hd;
                Arrays.fill(dkAcc, 0.0);
                Arrays.fill(dvAcc, 0.0);
                for (int i = 0; i < seq; i++) {
                    double maxScore = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < seq; j++) {
                        double dot = 0.0;
                        for (int c = 0; c < hd; c++) dot += (double) qv.get(base + i, col + c) * kv.get(base + j, col + c);
                        p[j] = dot * scale;
                        maxScore = Math.max(maxScore, p[j]);
                    }
                    double total = 0.0;
                    for (int j = 0; j < seq; j++) {
                        p[j] = Math.exp(p[j] - maxScore);
                        total += p[j];
                    }
                    double rowD = 0.0;
                    for (int j = 0; j < seq; j++) {
                        p[j] /= total;
                        double dot = 0.0;
                        for (int c = 0; c < hd; c++) dot += (double) dov.get(base + i, col + c) * vv.get(base + j, col + c);
                        dp[j] = dot;
                        rowD += p[j] * dot;
                    }
                    for (int c = 0; c < hd; c++) {
                        double dqc = 0.0;
                        for (int j = 0; j < seq; j++) {
                            double ds = p[j] * (dp[j] - rowD);
                            dqc += ds * kv.get(base + j, col + c);
                            dkAcc[j * hd + c] += ds * qv.get(base + i, col + c);
                            dvAcc[j * hd + c] += p[j] * dov.get(base + i, col + c);
                        }
                        dqv.set(base + i, col + c, (float) (scale * dqc));
                    }
                }
                for (int j = 0; j < seq; j++) {
                    for (int c = 0; c < hd; c++) {
                        dkv.set(base + j, col + c, (float) (scale * dkAcc[j * hd + c]));
                        dvv.set(base + j, col + c, (float) dvAcc[j * hd + c]);
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- embeddings

    @Override
    public void embedding(int[] ids, Tensor table, Tensor out) {
        HostView tv = matrixOf(table, "embedding table");
        HostView ov = matrixOf(out, "embedding out");
        requireIds("embedding", ids, table);
        requireShape(out, "embedding out", ids.length, table.cols());
        requireNoOverlap(out, table, "embedding", "out", "table");
        for (int i = 0; i < ids.length; i++) {
            for (int j = 0; j < table.cols(); j++) ov.set(i, j, tv.get(ids[i], j));
        }
    }

    @Override
    public void embeddingBackward(int[] ids, Tensor dy, Tensor dTable) {
        HostView dyv = matrixOf(dy, "embeddingBackward dy");
        HostView tv = matrixOf(dTable, "embeddingBackward dTable");
        requireIds("embeddingBackward", ids, dTable);
        requireShape(dy, "embeddingBackward dy", ids.length, dTable.cols());
        requireNoOverlap(dTable, dy, "embeddingBackward", "dTable", "dy");
        // Sum every occurrence of a row in double, then round once, like the other accumulating ops.
        int d = dTable.cols();
        double[] acc = new double[d];
        boolean[] done = new boolean[dTable.rows()];
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (done[id]) continue;
            done[id] = true;
            for (int j = 0; j < d; j++) acc[j] = tv.get(id, j);
            for (int i2 = i; i2 < ids.length; i2++) {
                if (ids[i2] == id) for (int j = 0; j < d; j++) acc[j] += dyv.get(i2, j);
            }
            for (int j = 0; j < d; j++) tv.set(id, j, (float) acc[j]);
        }
    }

    private static void requireIds(String op, int[] ids, Tensor table) {
        if (ids == null) throw new IllegalArgumentException(op + ": ids is null");
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= table.rows()) {
                throw new IllegalArgumentException(op + ": id " + ids[i] + " at position " + i + " outside the table's "
                        + table.rows() + " rows");
            }
        }
    }

    // ---------------------------------------------------------------- optimiser

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, long step) {
        String op = "adamw";
        HostView pv = viewOf(param, op + " param");
        HostView gv = viewOf(grad, op + " grad");
        HostView mv = viewOf(m, op + " m");
        HostView vv = viewOf(v, op + " v");
        requireSameSize(op, param, grad);
        requireSameSize(op, param, m);
        requireSameSize(op, param, v);
        AdamWCoefficients c = new AdamWCoefficients(lr, beta1, beta2, eps, weightDecay, step);
        for (long i = 0; i < pv.size(); i++) {
            double g = gv.get(i);
            double mi = beta1 * (double) mv.get(i) + (1.0 - beta1) * g;
            double vi = beta2 * (double) vv.get(i) + (1.0 - beta2) * g * g;
            double p = pv.get(i) * c.decay();
            p -= c.stepSize() * mi / (Math.sqrt(vi) * c.rootCorrection2Inverse() + eps);
            mv.set(i, (float) mi);
            vv.set(i, (float) vi);
            pv.set(i, (float) p);
        }
    }

    @Override
    public void scale(Tensor x, float alpha) {
        HostView xv = viewOf(x, "scale x");
        for (long i = 0; i < xv.size(); i++) xv.set(i, (float) ((double) xv.get(i) * alpha));
    }

    // ---------------------------------------------------------------- argument views

    private HostView viewOf(Tensor t, String role) {
        return new HostView(segment(t, role), t);
    }

    private HostView matrixOf(Tensor t, String role) {
        HostView v = viewOf(t, role);
        if (t.rank() != 2) throw new IllegalArgumentException(role + " must be 2-D, got shape " + shape(t));
        if (t.stride(1) != 1 && t.dim(1) > 1) {
            throw new IllegalArgumentException(role + " " + t + " must have unit column stride");
        }
        return v;
    }

    private HostView vectorOf(Tensor t, String role, int d) {
        HostView v = viewOf(t, role);
        if (t.size() != d) {
            throw new IllegalArgumentException(role + " " + shape(t) + " must hold " + d + " elements");
        }
        return v;
    }
}
