package flowscale.kernels.cpu;

import flowscale.kernels.AdamWCoefficients;
import flowscale.kernels.Tensor;

import java.lang.foreign.MemorySegment;

import static flowscale.kernels.cpu.Simd.FLOAT;

/**
 * The training ops of {@link CpuBackend} ({@link flowscale.kernels.TrainingBackend}): argument checks and
 * operand binding, then a job on the backend's pool. Jobs are allocated once here; their scratch grows to
 * the largest shape seen, so steady-state calls allocate nothing.
 */
final class CpuBackward {
    private static final long ELEMENTWISE_GRAIN = 1 << 15;
    private static final long ROW_GRAIN = 1 << 14;

    private final CpuBackend mem;
    private final WorkerPool pool;
    private final BackwardElementwiseJob elementwise = new BackwardElementwiseJob();
    private final ColumnReductionJob columns = new ColumnReductionJob();
    private final NormBackwardJob norm = new NormBackwardJob();
    private final AttentionBackwardJob attention = new AttentionBackwardJob();

    CpuBackward(CpuBackend mem, WorkerPool pool) {
        this.mem = mem;
        this.pool = pool;
        columns.ensureChunks(pool.threads());
        norm.ensureChunks(pool.threads());
        attention.ensureChunks(pool.threads());
        elementwise.ensureChunks(pool.threads());
    }

    // ---------------------------------------------------------------- column reductions

    void sumRows(Tensor dy, Tensor out, boolean accumulate) {
        ColumnReductionJob j = columns;
        int d = lastDim(dy);
        int rows = rowsOf(dy, d);
        RowJob.bindMatrix(mem, j.x, dy, rows, d, "sumRows dy");
        RowJob.bindVector(mem, j.p, out, d, "sumRows out");
        j.rows = rows;
        j.d = d;
        j.accumulate = accumulate;
        j.op = ColumnReductionJob.Op.SUM_ROWS;
        runColumns(j);
    }

    void addBroadcastRowsBackward(Tensor dout, Tensor dyTable, boolean accumulate) {
        ColumnReductionJob j = columns;
        int d = lastDim(dout);
        int rows = rowsOf(dout, d);
        int period = rowsOf(dyTable, d);
        if (period == 0 && rows > 0) throw new IllegalArgumentException("addBroadcastRowsBackward: dyTable has no rows: " + dyTable);
        RowJob.bindMatrix(mem, j.x, dout, rows, d, "addBroadcastRowsBackward dout");
        RowJob.bindMatrix(mem, j.p, dyTable, period, d, "addBroadcastRowsBackward dyTable");
        j.rows = rows;
        j.d = d;
        j.period = period;
        j.accumulate = accumulate;
        j.op = ColumnReductionJob.Op.BROADCAST_BACKWARD;
        runColumns(j);
    }

    void modulateBackward(Tensor x, Tensor scale, Tensor dy, int tokens, Tensor dx, Tensor dshift, Tensor dscale) {
        ColumnReductionJob j = columns;
        int items = bindPerItem(j, dy, x, dx, scale, tokens, "modulateBackward");
        RowJob.bindMatrix(mem, j.p, dshift, items, j.d, "modulateBackward dshift");
        RowJob.bindMatrix(mem, j.s, dscale, items, j.d, "modulateBackward dscale");
        j.op = ColumnReductionJob.Op.MODULATE_BACKWARD;
        runColumns(j);
    }

    void gatedAddBackward(Tensor y, Tensor gate, Tensor dres, int tokens, Tensor dy, Tensor dgate) {
        if (dy == dres) throw new IllegalArgumentException("gatedAddBackward: dy must not be dres (dres is the residual's gradient)");
        ColumnReductionJob j = columns;
        int items = bindPerItem(j, dres, y, dy, gate, tokens, "gatedAddBackward");
        RowJob.bindMatrix(mem, j.p, dgate, items, j.d, "gatedAddBackward dgate");
        j.s.clear();
        j.op = ColumnReductionJob.Op.GATED_ADD_BACKWARD;
        runColumns(j);
    }

    /** Binds the incoming gradient (x), the other factor (y), the input gradient (out) and the per-item factor (q). */
    private int bindPerItem(ColumnReductionJob j, Tensor grad, Tensor other, Tensor out, Tensor factor, int tokens, String what) {
        if (tokens < 1) throw new IllegalArgumentException(what + ": tokensPerItem must be >= 1, got " + tokens);
        int d = lastDim(other);
        int rows = rowsOf(other, d);
        if (rows % tokens != 0) {
            throw new IllegalArgumentException(what + ": " + rows + " rows are not a multiple of " + tokens + " tokens per item");
        }
        int items = rows / tokens;
        // Literal roles: a message built per call would allocate on every call.
        RowJob.bindMatrix(mem, j.x, grad, rows, d, "adaLN backward: the incoming gradient");
        RowJob.bindMatrix(mem, j.y, other, rows, d, "adaLN backward: the forward input");
        RowJob.bindMatrix(mem, j.out, out, rows, d, "adaLN backward: the input gradient");
        RowJob.bindMatrix(mem, j.q, factor, items, d, "adaLN backward: the per-item scale or gate");
        j.rows = rows;
        j.d = d;
        j.period = tokens;
        return items;
    }

    private void runColumns(ColumnReductionJob j) {
        if (j.d > 0) pool.run(j, j.chunksFor(pool.threads(), ROW_GRAIN));
        j.x.clear();
        j.y.clear();
        j.out.clear();
        j.p.clear();
        j.q.clear();
        j.s.clear();
    }

    // ---------------------------------------------------------------- normalisation

    void normBackward(boolean centred, Tensor x, Tensor gamma, float eps, Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta) {
        NormBackwardJob j = norm;
        int d = lastDim(x);
        int rows = rowsOf(x, d);
        // Literal roles: a message built per call would allocate on every call.
        RowJob.bindMatrix(mem, j.x, x, rows, d, "norm backward x");
        RowJob.bindMatrix(mem, j.dy, dy, rows, d, "norm backward dy");
        RowJob.bindMatrix(mem, j.dx, dx, rows, d, "norm backward dx");
        RowJob.bindVector(mem, j.gamma, gamma, d, "norm backward gamma");
        RowJob.bindVector(mem, j.dgamma, dgamma, d, "norm backward dgamma");
        RowJob.bindVector(mem, j.dbeta, dbeta, d, "norm backward dbeta");
        j.centred = centred;
        j.rows = rows;
        j.d = d;
        j.eps = eps;
        if (rows > 0 && d > 0) {
            j.ensureRows(rows);
            j.phase = NormBackwardJob.Phase.STATS;
            pool.run(j, j.chunksFor(pool.threads(), ROW_GRAIN, false));
            if (dgamma != null || dbeta != null) {
                j.phase = NormBackwardJob.Phase.PARAMS;
                pool.run(j, j.chunksFor(pool.threads(), ROW_GRAIN, true));
            }
            j.phase = NormBackwardJob.Phase.DX;
            pool.run(j, j.chunksFor(pool.threads(), ROW_GRAIN, false));
        }
        j.x.clear();
        j.dy.clear();
        j.dx.clear();
        j.gamma.clear();
        j.dgamma.clear();
        j.dbeta.clear();
    }

    // ---------------------------------------------------------------- element-wise

    void activationBackward(BackwardElementwiseJob.Op op, Tensor x, Tensor dy, Tensor dx) {
        elementwise.op = op;
        runElementwise(dx, x, dy, null);
    }

    void scale(Tensor x, float alpha) {
        elementwise.op = BackwardElementwiseJob.Op.SCALE;
        elementwise.a = alpha;
        runElementwise(x, null, null, null);
    }

    void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
               float weightDecay, long step) {
        AdamWCoefficients c = new AdamWCoefficients(lr, beta1, beta2, eps, weightDecay, step);
        BackwardElementwiseJob e = elementwise;
        e.op = BackwardElementwiseJob.Op.ADAMW;
        e.a = beta1;
        e.b = beta2;
        e.decay = (float) c.decay();
        e.stepSize = (float) c.stepSize();
        e.rootCorrection2Inverse = (float) c.rootCorrection2Inverse();
        e.eps = eps;
        runElementwise(param, grad, m, v);
    }

    private void runElementwise(Tensor out, Tensor x, Tensor y, Tensor z) {
        BackwardElementwiseJob e = elementwise;
        e.bind(mem, out, x, y, z);
        if (e.total() > 0) pool.run(e, e.chunksFor(pool.threads(), ELEMENTWISE_GRAIN));
        e.out.clear();
        e.x.clear();
        e.y.clear();
        e.z.clear();
    }

    // ---------------------------------------------------------------- attention

    void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor dout, int batch, int seq, int heads,
                           float scale, Tensor dq, Tensor dk, Tensor dv) {
        if (batch < 0 || seq < 0 || heads < 1) {
            throw new IllegalArgumentException("attentionBackward: bad batch " + batch + ", seq " + seq + ", heads " + heads);
        }
        int width = lastDim(q);
        if (width % heads != 0) {
            throw new IllegalArgumentException("attentionBackward: " + width + " columns do not split into " + heads + " heads");
        }
        long rows = (long) batch * seq;
        AttentionBackwardJob a = attention;
        a.qSeg = mem.host(q);
        a.kSeg = mem.host(k);
        a.vSeg = mem.host(v);
        a.oSeg = mem.host(out);
        a.doSeg = mem.host(dout);
        a.dqSeg = mem.host(dq);
        a.dkSeg = mem.host(dk);
        a.dvSeg = mem.host(dv);
        a.qBase = q.offset();
        a.kBase = k.offset();
        a.vBase = v.offset();
        a.oBase = out.offset();
        a.doBase = dout.offset();
        a.dqBase = dq.offset();
        a.dkBase = dk.offset();
        a.dvBase = dv.offset();
        a.qStride = Simd.matrixStride(q, rows, width, "attentionBackward", "q");
        a.kStride = Simd.matrixStride(k, rows, width, "attentionBackward", "k");
        a.vStride = Simd.matrixStride(v, rows, width, "attentionBackward", "v");
        a.oStride = Simd.matrixStride(out, rows, width, "attentionBackward", "out");
        a.doStride = Simd.matrixStride(dout, rows, width, "attentionBackward", "dout");
        a.dqStride = Simd.matrixStride(dq, rows, width, "attentionBackward", "dq");
        a.dkStride = Simd.matrixStride(dk, rows, width, "attentionBackward", "dk");
        a.dvStride = Simd.matrixStride(dv, rows, width, "attentionBackward", "dv");
        a.batch = batch;
        a.seq = seq;
        a.heads = heads;
        a.hd = width / heads;
        a.scale = scale;
        if (rows > 0 && a.hd > 0) pool.run(a, a.chunksFor(pool.threads()));
        a.qSeg = a.kSeg = a.vSeg = a.oSeg = a.doSeg = a.dqSeg = a.dkSeg = a.dvSeg = null;
    }


    // ---------------------------------------------------------------- embeddings (tiny: run on the caller)

    void embedding(int[] ids, Tensor table, Tensor out) {
        int d = lastDim(table);
        int vocab = rowsOf(table, d);
        checkIds("embedding", ids, vocab);
        Operand t = columns.x, o = columns.out;
        RowJob.bindMatrix(mem, t, table, vocab, d, "embedding table");
        RowJob.bindMatrix(mem, o, out, ids.length, d, "embedding out");
        for (int i = 0; i < ids.length; i++) {
            MemorySegment.copy(t.seg, t.at(ids[i], 0), o.seg, o.at(i, 0), (long) d * Float.BYTES);
        }
        t.clear();
        o.clear();
    }

    void embeddingBackward(int[] ids, Tensor dy, Tensor dTable) {
        int d = lastDim(dTable);
        int vocab = rowsOf(dTable, d);
        checkIds("embeddingBackward", ids, vocab);
        Operand g = columns.x, t = columns.out;
        RowJob.bindMatrix(mem, g, dy, ids.length, d, "embeddingBackward dy");
        RowJob.bindMatrix(mem, t, dTable, vocab, d, "embeddingBackward dTable");
        for (int i = 0; i < ids.length; i++) {
            long go = g.at(i, 0), to = t.at(ids[i], 0);
            for (int j = 0; j < d; j++) {
                long off = (long) j * Float.BYTES;
                t.seg.set(FLOAT, to + off, t.seg.get(FLOAT, to + off) + g.seg.get(FLOAT, go + off));
            }
        }
        g.clear();
        t.clear();
    }

    private static void checkIds(String what, int[] ids, int vocab) {
        if (ids == null) throw new IllegalArgumentException(what + ": ids is null");
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                throw new IllegalArgumentException(what + ": id " + ids[i] + " at position " + i + " outside the table's " + vocab + " rows");
            }
        }
    }

    // ---------------------------------------------------------------- shapes

    private static int lastDim(Tensor t) {
        if (t == null) throw new IllegalArgumentException("a required tensor is null");
        if (t.rank() == 0) throw new IllegalArgumentException("expected a matrix, got a scalar " + t);
        return Math.toIntExact(t.dim(t.rank() - 1));
    }

    private static int rowsOf(Tensor t, int d) {
        return d == 0 ? (t.rank() == 2 ? t.rows() : 0) : Math.toIntExact(t.size() / d);
    }
}
