package flowscale.kernels.cpu;

import flowscale.kernels.WeightType;
import flowscale.kernels.ConvWeight;
import flowscale.kernels.HostBackend;
import flowscale.kernels.HostConvWeight;
import flowscale.kernels.NoiseScheme;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * The default backend: Java Vector API kernels over off-heap memory, run on a dedicated pool of
 * {@code threads} workers (the caller included) with one contiguous chunk of work per worker.
 *
 * <p>Every op binds its operands into a job object allocated once with the backend and hands it to
 * the pool, so steady-state calls allocate nothing. Ops run one at a time: the compute ops are
 * synchronized on the backend, so threads sharing one backend take turns instead of sharing its job
 * objects. Scratch memory grows to the largest shape seen and is then reused.
 */
public final class CpuBackend extends HostBackend implements TrainingBackend {
    /** Element-wise work below this many elements per chunk runs on the caller alone. */
    private static final long ELEMENTWISE_GRAIN = 1 << 15;
    /**
     * The activations cost ~30 vector instructions per element (an exponential each), so one particle's
     * GELU ([67, 512]) is worth two chunks where a copy of the same size is not (see GemmJob.MIN_CHUNK_FLOPS).
     */
    private static final long ACTIVATION_GRAIN = 1 << 13;
    private static final long ROW_GRAIN = 1 << 14;

    private final String name;
    private final WorkerPool pool;
    private final ElementwiseJob elementwise = new ElementwiseJob();
    private final ReductionJob reduction = new ReductionJob();
    private final NormalJob normal = new NormalJob();
    private final RowJob rows = new RowJob();
    private final GemmJob gemm = new GemmJob();
    private final AttentionJob attention = new AttentionJob();
    private final HeadOps headOps = new HeadOps();

    private final ConvJob conv = new ConvJob();
    private final GroupNormJob groupNorm = new GroupNormJob();
    private final UpsampleJob upsample = new UpsampleJob();
    private float[] gemmPanels = new float[0];
    private final CpuBackward backward;

    /** {@code flowscale.threads} workers if set, else one per available processor. */
    public CpuBackend() {
        this("cpu", threadsFromProperty());
    }

    private static int threadsFromProperty() {
        String text = System.getProperty("flowscale.threads");
        if (text == null || text.isBlank()) return Runtime.getRuntime().availableProcessors();
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("flowscale.threads must be a positive integer, got '" + text + "'");
        }
    }

    /** Fails with a one-line message before the vector shape is fixed for the JVM from a bad property. */
    private static void checkVectorBitsProperty() {
        String bits = System.getProperty("flowscale.vector.bits");
        if (bits != null && !bits.isBlank() && !bits.trim().matches("128|256|512")) {
            throw new IllegalArgumentException("flowscale.vector.bits must be 128, 256 or 512, got '" + bits + "'");
        }
    }

    /** A backend with exactly {@code threads} threads (the caller counts as one); named {@code cpu:N}. */
    public CpuBackend(int threads) {
        this("cpu:" + threads, threads);
    }

    private CpuBackend(String name, int threads) {
        if (threads < 1) throw new IllegalArgumentException("cpu backend needs at least 1 thread, got " + threads);
        checkVectorBitsProperty();
        this.name = name;
        this.pool = new WorkerPool(threads, "flowscale-cpu-");
        reduction.ensureChunks(threads);
        elementwise.ensureChunks(threads);
        rows.ensureChunks(threads);
        normal.ensureChunks(threads);
        gemm.ensureChunks(threads);
        attention.ensureChunks(threads);
        conv.ensureChunks(threads);
        groupNorm.ensureChunks(threads);
        this.backward = new CpuBackward(this, pool);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    /** The vector shape every kernel of this JVM uses ({@code flowscale.vector.bits} or the preferred one). */
    public VectorSpecies<Float> species() {
        return Simd.F;
    }

    // ---------------------------------------------------------------- memory

    /** The host segment behind an operand, checking that it belongs to this backend. */
    MemorySegment host(Tensor t) {
        return segment(t, "operand");
    }

    @Override
    public synchronized void fill(Tensor dst, float value) {
        if (!Simd.contiguous(dst) && (dst.rank() != 2 || dst.stride(1) != 1)) {
            super.fill(dst, value); // general strided views: the element-wise walk of HostBackend
            return;
        }
        elementwise.op = ElementwiseJob.Op.FILL;
        elementwise.a = value;
        runElementwise(dst, null, null, null);
    }

    // ---------------------------------------------------------------- linear algebra

    @Override
    public PackedWeight pack(Tensor w) {
        return PackedPanels.pack(w, host(w));
    }

    /** The packed copy lives in this backend's memory (freed on close), allocated as floats of the same byte size. */
    @Override
    public PackedWeight packHalf(MemorySegment data, WeightType format, int outFeatures, int inFeatures) {
        WeightType.checkHalfWeight(data, format, outFeatures, inFeatures);
        long bytes = HalfPanels.bytes(format, outFeatures, inFeatures);
        Tensor buffer = allocate(Math.max(1, (bytes + Float.BYTES - 1) / Float.BYTES));
        return HalfPanels.pack(data, format, outFeatures, inFeatures, host(buffer));
    }

    @Override
    public synchronized void linear(Tensor x, PackedWeight w, Tensor bias, Tensor out) {
        int k, n;
        if (w instanceof PackedPanels p) {
            k = p.k;
            n = p.n;
            gemm.b = p.data;
            gemm.bHalf = null;
        } else if (w instanceof HalfPanels h) {
            k = h.k;
            n = h.n;
            gemm.b = null;
            gemm.bHalf = h.data;
            gemm.halfFormat = h.format;
        } else {
            throw new IllegalArgumentException("linear needs a weight packed by the cpu backend, got " + w);
        }
        int m = matrixRows(x, k, "linear input");
        GemmJob g = gemm;
        bindA(g, x, false, k);
        bindC(g, out, m, n, "linear output");
        if (bias != null) {
            if (bias.size() != n || !(Simd.contiguous(bias) || (bias.rank() == 2 && bias.dim(0) == 1))) {
                throw new IllegalArgumentException("bias must hold " + n + " contiguous floats, got " + bias);
            }
            g.biasSeg = host(bias);
            g.biasBase = bias.offset();
        } else {
            g.biasSeg = null;
        }
        g.m = m;
        g.n = n;
        g.k = k;
        g.linear = true;
        g.phase = GemmJob.Phase.MULTIPLY;
        runGemm(g);
    }

    @Override
    public synchronized void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        require2d(a, "gemm a");
        require2d(b, "gemm b");
        require2d(c, "gemm c");
        int m = transA ? a.cols() : a.rows(), k = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows(), n = transB ? b.rows() : b.cols();
        if (k != kb || c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException("gemm shapes do not match: op(a) " + m + "x" + k + ", op(b) " + kb + "x" + n
                    + ", c " + c.rows() + "x" + c.cols());
        }
        GemmJob g = gemm;
        g.aSeg = host(a);
        g.aBase = a.offset();
        g.aRowStride = a.rowStride();
        g.transA = transA;
        bindC(g, c, m, n, "gemm c");
        g.biasSeg = null;
        g.m = m;
        g.n = n;
        g.k = k;
        g.linear = false;
        g.alpha = alpha;
        g.beta = beta;
        int need = Math.multiplyExact(PackedPanels.panels(n), Math.multiplyExact(k, GemmKernel.NR));
        if (gemmPanels.length < need) gemmPanels = new float[need];
        g.b = gemmPanels;
        g.bHalf = null;
        g.bSeg = host(b);
        g.bBase = b.offset();
        g.bRowStride = b.rowStride();
        g.transB = transB;
        if (m == 0 || n == 0) return;
        g.phase = GemmJob.Phase.PACK_B;
        int packChunks = (int) Math.max(1, Math.min(pool.threads(), Math.min(PackedPanels.panels(n), (long) n * k / ELEMENTWISE_GRAIN)));
        pool.run(g, packChunks);
        g.phase = GemmJob.Phase.MULTIPLY;
        runGemm(g);
    }

    private void runGemm(GemmJob g) {
        if (g.m == 0 || g.n == 0) return;
        pool.run(g, g.plan(pool.threads()));
        g.aSeg = null;
        g.cSeg = null;
        g.bSeg = null;
        g.biasSeg = null;
        g.bHalf = null;
    }

    private void bindA(GemmJob g, Tensor x, boolean trans, int k) {
        g.aSeg = host(x);
        g.aBase = x.offset();
        g.aRowStride = x.rank() == 2 ? x.rowStride() : k;
        g.transA = trans;
    }

    private void bindC(GemmJob g, Tensor c, int m, int n, String what) {
        if (matrixRows(c, n, what) != m) {
            throw new IllegalArgumentException(what + " must be [" + m + ", " + n + "], got " + c);
        }
        g.cSeg = host(c);
        g.cBase = c.offset();
        g.cRowStride = c.rank() == 2 ? c.rowStride() : n;
    }

    /** Rows of {@code t} read as a matrix with {@code cols} columns: a 2-D view with unit columns, or contiguous. */
    private static int matrixRows(Tensor t, int cols, String what) {
        if (t.rank() == 2 && t.stride(1) == 1 && t.dim(1) == cols) return t.rows();
        if (Simd.contiguous(t) && cols > 0 && t.size() % cols == 0) return Math.toIntExact(t.size() / cols);
        if (Simd.contiguous(t) && cols == 0 && t.rank() == 2) return t.rows();
        throw new IllegalArgumentException(what + " must be a [rows, " + cols + "] matrix with unit column stride, got " + t);
    }

    private static void require2d(Tensor t, String what) {
        if (t.rank() != 2 || (t.stride(1) != 1 && t.dim(1) > 1)) {
            throw new IllegalArgumentException(what + " must be a 2-D view with unit column stride, got " + t);
        }
    }

    // ---------------------------------------------------------------- normalisation and activations

    @Override
    public synchronized void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out) {
        if ((gamma == null) != (beta == null)) {
            throw new IllegalArgumentException("layerNorm takes both gamma and beta or neither");
        }
        runNorm(RowJob.Op.LAYER_NORM, x, gamma, beta, eps, out);
    }

    @Override
    public synchronized void rmsNorm(Tensor x, Tensor gamma, float eps, Tensor out) {
        runNorm(RowJob.Op.RMS_NORM, x, gamma, null, eps, out);
    }

    private void runNorm(RowJob.Op op, Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out) {
        int d = Math.toIntExact(x.dim(x.rank() - 1));
        int r = d == 0 ? 0 : Math.toIntExact(x.size() / d);
        RowJob j = rows;
        RowJob.bindMatrix(this, j.x, x, r, d, "normalisation input");
        RowJob.bindMatrix(this, j.out, out, r, d, "normalisation output");
        RowJob.bindVector(this, j.p, gamma, d, "gamma");
        RowJob.bindVector(this, j.q, beta, d, "beta");
        j.op = op;
        j.rows = r;
        j.d = d;
        j.eps = eps;
        runRows(j);
    }

    @Override
    public synchronized void gelu(Tensor x, Tensor out) {
        elementwise.op = ElementwiseJob.Op.GELU;
        runElementwise(out, x, null, null, ACTIVATION_GRAIN);
    }

    @Override
    public synchronized void silu(Tensor x, Tensor out) {
        elementwise.op = ElementwiseJob.Op.SILU;
        runElementwise(out, x, null, null, ACTIVATION_GRAIN);
    }

    // ---------------------------------------------------------------- per-head ops

    @Override
    public synchronized void headRmsNorm(Tensor x, Tensor gamma, float eps, Tensor out) {
        require2d(x, "headRmsNorm x");
        require2d(out, "headRmsNorm out");
        headOps.headRmsNorm(host(x), x, host(gamma), gamma, eps, host(out), out);
    }

    @Override
    public synchronized void rope(Tensor x, Tensor table, int seq, Tensor out) {
        require2d(x, "rope x");
        require2d(out, "rope out");
        require2d(table, "rope table");
        headOps.rope(host(x), x, host(table), table, seq, host(out), out);
    }

    // ---------------------------------------------------------------- adaLN

    @Override
    public synchronized void modulate(Tensor x, Tensor shift, Tensor scale, int tokensPerItem, Tensor out) {
        RowJob j = rows;
        int r = bindRowOp(j, x, out, tokensPerItem, true, "modulate");
        int items = r / tokensPerItem;
        RowJob.bindMatrix(this, j.p, shift, items, j.d, "modulate shift");
        RowJob.bindMatrix(this, j.q, scale, items, j.d, "modulate scale");
        j.op = RowJob.Op.MODULATE;
        runRows(j);
    }

    @Override
    public synchronized void gatedAdd(Tensor residual, Tensor y, Tensor gate, int tokensPerItem) {
        RowJob j = rows;
        int r = bindRowOp(j, y, residual, tokensPerItem, true, "gatedAdd");
        RowJob.bindMatrix(this, j.p, gate, r / tokensPerItem, j.d, "gatedAdd gate");
        j.q.clear();
        j.op = RowJob.Op.GATED_ADD;
        runRows(j);
    }

    @Override
    public synchronized void addBroadcastRows(Tensor x, Tensor y, Tensor out) {
        RowJob j = rows;
        int d = Math.toIntExact(x.dim(x.rank() - 1));
        int period = d == 0 ? 0 : Math.toIntExact(y.size() / d);
        if (period == 0 && x.size() > 0) throw new IllegalArgumentException("addBroadcastRows: y has no rows: " + y);
        bindRowOp(j, x, out, Math.max(1, period), false, "addBroadcastRows");
        RowJob.bindMatrix(this, j.p, y, period, d, "addBroadcastRows y");
        j.q.clear();
        j.op = RowJob.Op.ADD_BROADCAST;
        runRows(j);
    }

    /** Binds x and out as [rows, d] and sets the period (which must divide rows when {@code whole}); returns rows. */
    private int bindRowOp(RowJob j, Tensor x, Tensor out, int period, boolean whole, String what) {
        if (period < 1) throw new IllegalArgumentException(what + ": tokensPerItem must be >= 1, got " + period);
        int d = Math.toIntExact(x.dim(x.rank() - 1));
        int r = d == 0 ? 0 : Math.toIntExact(x.size() / d);
        if (whole && r % period != 0) {
            throw new IllegalArgumentException(what + ": " + r + " rows are not a multiple of " + period + " tokens per item");
        }
        RowJob.bindMatrix(this, j.x, x, r, d, what + " input");
        RowJob.bindMatrix(this, j.out, out, r, d, what + " output");
        j.rows = r;
        j.d = d;
        j.period = period;
        return r;
    }

    private void runRows(RowJob j) {
        if (j.rows > 0 && j.d > 0) pool.run(j, j.chunksFor(pool.threads(), ROW_GRAIN));
        j.x.clear();
        j.out.clear();
        j.p.clear();
        j.q.clear();
    }

    // ---------------------------------------------------------------- attention

    @Override
    public synchronized void attention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor out) {
        attention.causal = false;
        attention.biasSeg = null;
        runAttention(q, k, v, batch, seq, heads, scale, out);
    }

    // ---------------------------------------------------------------- text encoders (CLIP, T5)

    @Override
    public synchronized void quickGelu(Tensor x, Tensor out) {
        elementwise.op = ElementwiseJob.Op.QUICK_GELU;
        runElementwise(out, x, null, null, ACTIVATION_GRAIN);
    }

    @Override
    public synchronized void multiply(Tensor x, Tensor y, Tensor out) {
        elementwise.op = ElementwiseJob.Op.MULTIPLY;
        runElementwise(out, x, y, null);
    }

    @Override
    public synchronized void causalAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale,
                                             Tensor out) {
        attention.causal = true;
        attention.biasSeg = null;
        runAttention(q, k, v, batch, seq, heads, scale, out);
        attention.causal = false;
    }

    @Override
    public synchronized void biasedAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale,
                                             Tensor bias, Tensor out) {
        if (bias == null) throw new IllegalArgumentException("biasedAttention: bias is null");
        if (bias.rank() != 2 || bias.dim(0) != (long) heads * seq || bias.dim(1) != seq || (seq > 1 && bias.stride(1) != 1)) {
            throw new IllegalArgumentException("biasedAttention: bias must be a [" + ((long) heads * seq) + ", " + seq
                    + "] matrix with unit column stride, got " + bias);
        }
        attention.causal = false;
        attention.biasSeg = host(bias);
        attention.biasBase = bias.offset();
        attention.biasStride = bias.rowStride();
        try {
            runAttention(q, k, v, batch, seq, heads, scale, out);
        } finally {
            attention.biasSeg = null;
        }
    }

    private void runAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor out) {
        if (batch < 0 || seq < 0 || heads < 1) {
            throw new IllegalArgumentException("attention: bad batch " + batch + ", seq " + seq + ", heads " + heads);
        }
        int width = Math.toIntExact(q.dim(q.rank() - 1));
        if (width % heads != 0) throw new IllegalArgumentException("attention: " + width + " columns do not split into " + heads + " heads");
        int hd = width / heads;
        long rowsNeeded = (long) batch * seq;
        AttentionJob a = attention;
        a.qSeg = host(q);
        a.kSeg = host(k);
        a.vSeg = host(v);
        a.oSeg = host(out);
        a.qBase = q.offset();
        a.kBase = k.offset();
        a.vBase = v.offset();
        a.oBase = out.offset();
        a.qStride = Simd.matrixStride(q, rowsNeeded, width, "attention", "q");
        a.kStride = Simd.matrixStride(k, rowsNeeded, width, "attention", "k");
        a.vStride = Simd.matrixStride(v, rowsNeeded, width, "attention", "v");
        a.oStride = Simd.matrixStride(out, rowsNeeded, width, "attention", "out");
        a.batch = batch;
        a.seq = seq;
        a.heads = heads;
        a.hd = hd;
        a.scale = scale;
        if (rowsNeeded > 0 && hd > 0) pool.run(a, a.chunksFor(pool.threads()));
        a.qSeg = a.kSeg = a.vSeg = a.oSeg = null;
    }


    // ---------------------------------------------------------------- image convolutions

    @Override
    public ConvWeight packConv(MemorySegment data, WeightType type, int outChannels, int inChannels,
                               int kernelHeight, int kernelWidth) {
        return new HostConvWeight(data, type, outChannels, inChannels, kernelHeight, kernelWidth);
    }

    @Override
    public synchronized void conv2d(Tensor x, ConvWeight w, Tensor bias, Tensor out) {
        if (!(w instanceof HostConvWeight hw)) throw new IllegalArgumentException("conv2d: weight " + w + " was not packed by a host backend");
        requireImage(x, "conv2d x");
        requireImage(out, "conv2d out");
        if (x.dim(1) != w.inChannels() || out.dim(0) != x.dim(0) || out.dim(1) != w.outChannels()
                || out.dim(2) != x.dim(2) || out.dim(3) != x.dim(3)) {
            throw new IllegalArgumentException("conv2d: x " + x + " and out " + out + " do not fit a weight ["
                    + w.outChannels() + ", " + w.inChannels() + ", " + w.kernelHeight() + ", " + w.kernelWidth() + "]");
        }
        if (x.storage() == out.storage() && x.offset() < out.offset() + out.size() && out.offset() < x.offset() + x.size()) {
            throw new IllegalArgumentException("conv2d: out " + out + " must not overlap x " + x);
        }
        ConvJob j = conv;
        if (bias != null) {
            if (bias.size() != w.outChannels() || !Simd.contiguous(bias)) {
                throw new IllegalArgumentException("conv2d: bias must hold " + w.outChannels() + " contiguous floats, got " + bias);
            }
            j.biasSeg = host(bias);
            j.biasBase = bias.offset();
        } else {
            j.biasSeg = null;
        }
        j.xSeg = host(x);
        j.oSeg = host(out);
        j.xBase = x.offset();
        j.oBase = out.offset();
        j.w = hw;
        j.batch = Math.toIntExact(x.dim(0));
        j.cin = w.inChannels();
        j.cout = w.outChannels();
        j.h = Math.toIntExact(x.dim(2));
        j.wd = Math.toIntExact(x.dim(3));
        j.kh = w.kernelHeight();
        j.kw = w.kernelWidth();
        if (x.size() > 0) pool.run(j, j.chunksFor(pool.threads()));
        j.xSeg = j.oSeg = j.biasSeg = null;
        j.w = null;
    }

    @Override
    public synchronized void groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, Tensor out) {
        requireImage(x, "groupNorm x");
        requireImage(out, "groupNorm out");
        for (int i = 0; i < 4; i++) {
            if (x.dim(i) != out.dim(i)) throw new IllegalArgumentException("groupNorm: x " + x + " and out " + out + " differ in shape");
        }
        int channels = Math.toIntExact(x.dim(1));
        if (groups < 1 || channels % groups != 0) {
            throw new IllegalArgumentException("groupNorm: " + channels + " channels do not split into " + groups + " groups");
        }
        if ((gamma == null) != (beta == null)) throw new IllegalArgumentException("groupNorm takes both gamma and beta or neither");
        GroupNormJob j = groupNorm;
        if (gamma != null) {
            if (gamma.size() != channels || beta.size() != channels || !Simd.contiguous(gamma) || !Simd.contiguous(beta)) {
                throw new IllegalArgumentException("groupNorm: gamma and beta must hold " + channels + " contiguous floats, got "
                        + gamma + " and " + beta);
            }
            j.gammaSeg = host(gamma);
            j.betaSeg = host(beta);
            j.gammaBase = gamma.offset();
            j.betaBase = beta.offset();
        } else {
            j.gammaSeg = j.betaSeg = null;
        }
        j.xSeg = host(x);
        j.oSeg = host(out);
        j.xBase = x.offset();
        j.oBase = out.offset();
        j.batch = Math.toIntExact(x.dim(0));
        j.channels = channels;
        j.groups = groups;
        j.plane = x.dim(2) * x.dim(3);
        j.eps = eps;
        if (x.size() > 0) pool.run(j, j.chunksFor(pool.threads()));
        j.xSeg = j.oSeg = j.gammaSeg = j.betaSeg = null;
    }

    @Override
    public synchronized void upsampleNearest2x(Tensor x, Tensor out) {
        requireImage(x, "upsampleNearest2x x");
        requireImage(out, "upsampleNearest2x out");
        if (out.dim(0) != x.dim(0) || out.dim(1) != x.dim(1) || out.dim(2) != 2 * x.dim(2) || out.dim(3) != 2 * x.dim(3)) {
            throw new IllegalArgumentException("upsampleNearest2x: out " + out + " is not x " + x + " doubled in H and W");
        }
        UpsampleJob j = upsample;
        j.xSeg = host(x);
        j.oSeg = host(out);
        j.xBase = x.offset();
        j.oBase = out.offset();
        j.planes = x.dim(0) * x.dim(1);
        j.h = Math.toIntExact(x.dim(2));
        j.w = Math.toIntExact(x.dim(3));
        if (x.size() > 0) pool.run(j, j.chunksFor(pool.threads()));
        j.xSeg = j.oSeg = null;
    }

    private static void requireImage(Tensor t, String what) {
        if (t == null || t.rank() != 4 || !Simd.contiguous(t)) {
            throw new IllegalArgumentException(what + " must be a contiguous [B, C, H, W] tensor, got " + t);
        }
    }

    // ---------------------------------------------------------------- embeddings and layout

    @Override
    public void timestepEmbedding(float[] t, float maxPeriod, Tensor out) {
        int dim = Math.toIntExact(out.dim(out.rank() - 1));
        int b = dim == 0 ? 0 : Math.toIntExact(out.size() / dim);
        if (b != t.length) throw new IllegalArgumentException("timestepEmbedding: " + t.length + " timesteps for output " + out);
        MemorySegment seg = host(out);
        long stride = out.rank() == 2 ? out.rowStride() : dim;
        if (out.rank() != 2 && !Simd.contiguous(out)) throw new IllegalArgumentException("timestepEmbedding output must be 2-D, got " + out);
        int half = dim / 2;
        // StrictMath and SineCosine, not Math: their results are specified to the bit, so the embedding
        // cannot change with the JIT or the machine; SineCosine because StrictMath's sin and cos allocate.
        double logPeriod = StrictMath.log(maxPeriod);
        for (int i = 0; i < b; i++) {
            long row = (out.offset() + i * stride) * Float.BYTES;
            for (int f = 0; f < half; f++) {
                double arg = t[i] * StrictMath.exp(-logPeriod * f / half);
                seg.set(Simd.FLOAT, row + (long) f * Float.BYTES, (float) SineCosine.cos(arg));
                seg.set(Simd.FLOAT, row + (long) (half + f) * Float.BYTES, (float) SineCosine.sin(arg));
            }
            if ((dim & 1) == 1) seg.set(Simd.FLOAT, row + (long) (dim - 1) * Float.BYTES, 0f);
        }
    }

    @Override
    public void patchify(Tensor img, int channels, int height, int width, int patch, Tensor out) {
        movePatches(img, channels, height, width, patch, out, true);
    }

    @Override
    public void unpatchify(Tensor tokens, int channels, int height, int width, int patch, Tensor img) {
        movePatches(img, channels, height, width, patch, tokens, false);
    }

    /** Copies between an image batch and its patch tokens, in the direction {@code toTokens}. */
    private void movePatches(Tensor img, int c, int h, int w, int p, Tensor tokens, boolean toTokens) {
        if (p < 1 || c < 1 || h % p != 0 || w % p != 0) {
            throw new IllegalArgumentException("patchify: image " + c + "x" + h + "x" + w + " does not split into " + p + "x" + p + " patches");
        }
        if (!Simd.contiguous(img)) throw new IllegalArgumentException("patchify: image must be contiguous, got " + img);
        long perImage = (long) c * h * w;
        if (img.size() % perImage != 0) throw new IllegalArgumentException("patchify: " + img + " is not a batch of " + c + "x" + h + "x" + w + " images");
        int batch = Math.toIntExact(img.size() / perImage);
        int gh = h / p, gw = w / p, feat = c * p * p;
        long tokenRows = (long) batch * gh * gw;
        int rows = matrixRows(tokens, feat, "patch tokens");
        if (rows != tokenRows) throw new IllegalArgumentException("patch tokens must be [" + tokenRows + ", " + feat + "], got " + tokens);
        long ts = tokens.rank() == 2 ? tokens.rowStride() : feat;
        MemorySegment is = host(img), tsg = host(tokens);
        long ib = img.offset(), tb = tokens.offset();
        for (int b = 0; b < batch; b++) {
            for (int gy = 0; gy < gh; gy++) {
                for (int gx = 0; gx < gw; gx++) {
                    long tokenOff = tb + ((long) (b * gh + gy) * gw + gx) * ts;
                    int f = 0;
                    for (int ch = 0; ch < c; ch++) {
                        for (int py = 0; py < p; py++) {
                            long pixOff = ib + (((long) b * c + ch) * h + gy * p + py) * w + (long) gx * p;
                            for (int px = 0; px < p; px++, f++) {
                                long io = (pixOff + px) * Float.BYTES, to = (tokenOff + f) * Float.BYTES;
                                if (toTokens) tsg.set(Simd.FLOAT, to, is.get(Simd.FLOAT, io));
                                else is.set(Simd.FLOAT, io, tsg.get(Simd.FLOAT, to));
                            }
                        }
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- element-wise and reductions

    @Override
    public synchronized void axpby(float a, Tensor x, float b, Tensor y, Tensor out) {
        elementwise.op = ElementwiseJob.Op.AXPBY;
        elementwise.a = a;
        elementwise.b = b;
        runElementwise(out, x, y, null);
    }

    @Override
    public synchronized void sdeUpdate(Tensor x, Tensor f, float dt, float gSqrtDt, Tensor z, Tensor out) {
        if (z == null && gSqrtDt != 0f) throw new IllegalArgumentException("sdeUpdate: noise z is required when gSqrtDt != 0");
        elementwise.op = ElementwiseJob.Op.SDE;
        elementwise.a = -dt;
        elementwise.b = gSqrtDt;
        runElementwise(out, x, f, gSqrtDt == 0f ? null : z);
    }

    /**
     * Scalar, on the calling thread: each element is a few double operations, exactly Java's own, and the samplers call
     * it on a handful of latents (the fork-join hand-off would cost more than the arithmetic). Each row's operands are
     * copied in bulk into arrays and the arithmetic runs over those ({@code (float) (a*x + b*y + c*z)}, left to right,
     * as the host samplers write it), which the JIT compiles into a tight loop; reading and writing the native memory
     * element by element paid its access checks on every element. {@code out} may be an operand itself (in place).
     */
    @Override
    public synchronized void combine(double a, Tensor x, double b, Tensor y, double c, Tensor z, Tensor out) {
        long[] xl = combineLayout(x, x, "combine x"), ol = combineLayout(x, out, "combine out");
        long[] yl = y == null ? null : combineLayout(x, y, "combine y"), zl = z == null ? null : combineLayout(x, z, "combine z");
        MemorySegment xs = host(x), os = host(out), ys = y == null ? null : host(y), zs = z == null ? null : host(z);
        long rows = xl[0];
        int cols = Math.toIntExact(xl[1]);
        if (combineX.length < cols) {
            combineX = new float[cols];
            combineY = new float[cols];
            combineZ = new float[cols];
        }
        float[] cx = combineX, cy = combineY, cz = combineZ;
        for (long r = 0; r < rows; r++) {
            MemorySegment.copy(xs, Simd.FLOAT, (xl[2] + r * xl[3]) * Float.BYTES, cx, 0, cols);
            if (ys != null) MemorySegment.copy(ys, Simd.FLOAT, (yl[2] + r * yl[3]) * Float.BYTES, cy, 0, cols);
            if (zs != null) MemorySegment.copy(zs, Simd.FLOAT, (zl[2] + r * zl[3]) * Float.BYTES, cz, 0, cols);
            if (ys != null && zs != null) {
                for (int k = 0; k < cols; k++) cx[k] = (float) (a * cx[k] + b * cy[k] + c * cz[k]);
            } else if (ys != null) {
                for (int k = 0; k < cols; k++) cx[k] = (float) (a * cx[k] + b * cy[k]);
            } else if (zs != null) {
                for (int k = 0; k < cols; k++) cx[k] = (float) (a * cx[k] + c * cz[k]);
            } else {
                for (int k = 0; k < cols; k++) cx[k] = (float) (a * cx[k]);
            }
            MemorySegment.copy(cx, 0, os, Simd.FLOAT, (ol[2] + r * ol[3]) * Float.BYTES, cols);
        }
    }

    /** {@link #combine}'s row buffers, grown to the longest row seen. */
    private float[] combineX = new float[0], combineY = new float[0], combineZ = new float[0];

    /** {@code [rows, cols, offset, rowStride]} of a combine operand: a 2-D view with unit column stride, or contiguous. */
    private static long[] combineLayout(Tensor first, Tensor t, String what) {
        if (!java.util.Arrays.equals(first.shape(), t.shape())) {
            throw new IllegalArgumentException(what + " " + t + " differs in shape from x " + first);
        }
        if (t.rank() == 2 && (t.stride(1) == 1 || t.dim(1) <= 1)) return new long[] {t.dim(0), t.dim(1), t.offset(), t.stride(0)};
        if (!t.isContiguous()) throw new IllegalArgumentException(what + " must be contiguous or a 2-D view with unit column stride, got " + t);
        return new long[] {1, t.size(), t.offset(), t.size()};
    }

    @Override
    public synchronized void tweedie(Tensor x, Tensor u, double sigma, double sigmaDot, double d, Tensor out) {
        elementwise.op = ElementwiseJob.Op.AXPBY;
        elementwise.a = (float) (-sigmaDot / d);
        elementwise.b = (float) (sigma / d);
        runElementwise(out, x, u, null);
    }

    private void runElementwise(Tensor out, Tensor x, Tensor y, Tensor z) {
        runElementwise(out, x, y, z, ELEMENTWISE_GRAIN);
    }

    private void runElementwise(Tensor out, Tensor x, Tensor y, Tensor z, long grain) {
        ElementwiseJob e = elementwise;
        e.bind(this, out, x, y, z);
        if (e.total() > 0) pool.run(e, e.chunksFor(pool.threads(), grain));
        e.out.clear();
        e.x.clear();
        e.y.clear();
        e.z.clear();
    }

    @Override
    public synchronized double sum(Tensor x) {
        return reduce(ReductionJob.Op.SUM, x);
    }

    @Override
    public synchronized double max(Tensor x) {
        if (x.size() == 0) return Double.NEGATIVE_INFINITY;
        return reduce(ReductionJob.Op.MAX, x);
    }

    @Override
    public synchronized double norm2(Tensor x) {
        return Math.sqrt(reduce(ReductionJob.Op.SUM_SQUARES, x));
    }

    private double reduce(ReductionJob.Op op, Tensor x) {
        ReductionJob r = reduction;
        r.op = op;
        r.bind(this, x, null, null, null);
        int chunks = r.chunksFor(pool.threads(), ELEMENTWISE_GRAIN);
        double result;
        if (r.total() == 0) {
            result = op == ReductionJob.Op.MAX ? Double.NEGATIVE_INFINITY : 0.0;
        } else {
            pool.run(r, chunks);
            result = r.combine(Math.min(chunks, pool.threads()));
        }
        r.out.clear();
        return result;
    }

    // ---------------------------------------------------------------- randomness

    @Override
    public synchronized void normal(long key, int s0, int s1, int s2, Tensor out) {
        normal(NoiseScheme.BOX_MULLER_V1, key, s0, s1, s2, out);
    }

    @Override
    public synchronized void normal(NoiseScheme scheme, long key, int s0, int s1, int s2, Tensor out) {
        NormalJob j = normal;
        j.scheme = scheme;
        j.key = key;
        j.s0 = s0;
        j.s1 = s1;
        j.s2 = s2;
        j.bind(this, out, null, null, null);
        // the generator is compute-bound (~30 ns per element), so even small fills are worth splitting
        if (j.total() > 0) pool.run(j, j.chunksFor(pool.threads(), 1 << 12));
        j.out.clear();
    }

    // ---------------------------------------------------------------- training (TrainingBackend), in CpuBackward

    @Override
    public synchronized void sumRows(Tensor dy, Tensor out, boolean accumulate) {
        backward.sumRows(dy, out, accumulate);
    }

    @Override
    public synchronized void addBroadcastRowsBackward(Tensor dout, Tensor dyTable, boolean accumulate) {
        backward.addBroadcastRowsBackward(dout, dyTable, accumulate);
    }

    @Override
    public synchronized void layerNormBackward(Tensor x, Tensor gamma, float eps, Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta) {
        backward.normBackward(true, x, gamma, eps, dy, dx, dgamma, dbeta);
    }

    @Override
    public synchronized void rmsNormBackward(Tensor x, Tensor gamma, float eps, Tensor dy, Tensor dx, Tensor dgamma) {
        backward.normBackward(false, x, gamma, eps, dy, dx, dgamma, null);
    }

    @Override
    public synchronized void geluBackward(Tensor x, Tensor dy, Tensor dx) {
        backward.activationBackward(BackwardElementwiseJob.Op.GELU_BACKWARD, x, dy, dx);
    }

    @Override
    public synchronized void siluBackward(Tensor x, Tensor dy, Tensor dx) {
        backward.activationBackward(BackwardElementwiseJob.Op.SILU_BACKWARD, x, dy, dx);
    }

    @Override
    public synchronized void modulateBackward(Tensor x, Tensor scale, Tensor dy, int tokensPerItem, Tensor dx, Tensor dshift, Tensor dscale) {
        backward.modulateBackward(x, scale, dy, tokensPerItem, dx, dshift, dscale);
    }

    @Override
    public synchronized void gatedAddBackward(Tensor y, Tensor gate, Tensor dres, int tokensPerItem, Tensor dy, Tensor dgate) {
        backward.gatedAddBackward(y, gate, dres, tokensPerItem, dy, dgate);
    }

    @Override
    public synchronized void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor dout, int batch, int seq, int heads,
                                  float scale, Tensor dq, Tensor dk, Tensor dv) {
        backward.attentionBackward(q, k, v, out, dout, batch, seq, heads, scale, dq, dk, dv);
    }

    @Override
    public synchronized void embedding(int[] ids, Tensor table, Tensor out) {
        backward.embedding(ids, table, out);
    }

    @Override
    public synchronized void embeddingBackward(int[] ids, Tensor dy, Tensor dTable) {
        backward.embeddingBackward(ids, dy, dTable);
    }

    @Override
    public synchronized void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, long step) {
        backward.adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override
    public synchronized void scale(Tensor x, float alpha) {
        backward.scale(x, alpha);
    }

    @Override
    public void close() {
        pool.close();
        super.close();
    }
}
