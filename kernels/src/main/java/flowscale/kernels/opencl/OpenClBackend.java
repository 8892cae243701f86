package flowscale.kernels.opencl;

import flowscale.kernels.Backend;
import flowscale.kernels.WeightType;
import flowscale.kernels.ConvWeight;
import flowscale.kernels.HostConvWeight;
import flowscale.kernels.NoiseScheme;
import flowscale.kernels.NormalQuantile;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.RowGather;
import flowscale.kernels.Philox;
import flowscale.kernels.Storage;
import flowscale.kernels.Tensor;
import flowscale.kernels.TransferCounter;
import org.jocl.CLException;
import org.jocl.Pointer;
import org.jocl.cl_mem;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

import static org.jocl.CL.*;

/**
 * The {@code opencl:P:D} backend: every op is an OpenCL C kernel (sources in
 * {@code flowscale/kernels/opencl/}) run on one device through JOCL.
 *
 * <p>Tensors live in device buffers ({@link ClStorage}); ops enqueue kernels on one in-order queue, so
 * each op sees the results of the ones before it without waiting, and only {@link #download} and the
 * reductions (which return host values) wait for the device. Weights are transposed and padded on the
 * device once, in {@link #pack}.
 *
 * <p>{@link #normal} generates {@code boxmuller-v1} on the host with {@link Philox} and uploads: the device's
 * sin/cos/log are not correctly rounded, and the contract asks for the host's StrictMath floats bit for bit.
 * {@code quantile-v2} ({@link NormalQuantile}) runs on the device: it needs only exactly rounded operations.
 *
 * <p>On CPU devices (PoCL) the linear layer, attention, the row norms and the sampler updates use
 * float16/float8/float4 kernels without local memory or barriers; on other devices the
 * work-group-tiled kernels. The ops are synchronized: kernel arguments are shared state.
 */
public final class OpenClBackend implements Backend {
    private static final int REDUCE_WG = 128;      // RED_WG in reduce.cl
    private static final int REDUCE_GROUPS = 256;
    private static final int NORM_WG = 128;        // NORM_WG in norm.cl
    private static final int ATT_BQ = 32;          // ATT_BQ in attention.cl
    private static final int ATT_MAX_HD = 128;     // ATT_MAX_HD in attention.cl
    private static final int ATT_WIDE_MAX_HD = 1024; // ATT_WIDE_MAX_HD in attention.cl (attention_wide)
    private static final int GEMM_TILE = 64;       // TM, TN in gemm.cl
    private static final int PACK_ALIGN = 16;      // columns per work-item of linear_vec
    private static final int MIN_WORK_GROUP = 256; // gemm_tiled's 16 x 16 work-group
    private static final String BUILD_OPTIONS = "-cl-std=CL1.2";

    private final ClDevice device;
    private final String name;
    private final boolean vectorKernels;
    private final ClContext cl;
    private final Set<ClStorage> live = new LinkedHashSet<>();

    private ClStorage scratch;                     // strided transfers, timestep angles
    private final ClStorage partials;
    private final float[] partialsHost = new float[REDUCE_GROUPS];
    private final Pointer partialsHostPointer = Pointer.to(partialsHost);
    private float[] hostScratch = new float[0];
    private ClStorage quantileTable;               // NormalQuantile's coefficients, uploaded on first use
    private boolean closed;
    private final TransferCounter transfers = new TransferCounter();

    /** A backend on the device a spec names (see {@link ClDevices#select}), with the default binary cache. */
    public static OpenClBackend create(String spec) {
        return new OpenClBackend(ClDevices.select(spec), ClProgramCache.defaultDirectory());
    }

    /** A backend on {@code device}, caching compiled programs under {@code cacheDirectory}. */
    public OpenClBackend(ClDevice device, Path cacheDirectory) {
        this(device, cacheDirectory, device.type() == ClDevice.Type.CPU);
    }

    /** As above, choosing the kernel variants explicitly (tests run the GPU kernels on a CPU device). */
    OpenClBackend(ClDevice device, Path cacheDirectory, boolean vectorKernels) {
        if (device.maxWorkGroupSize() < MIN_WORK_GROUP) {
            throw new IllegalArgumentException("OpenCL device " + device.summary() + " runs at most " + device.maxWorkGroupSize()
                    + " work-items per group; flowscale's kernels need " + MIN_WORK_GROUP);
        }
        this.device = device;
        this.name = device.spec();
        this.vectorKernels = vectorKernels;
        this.cl = new ClContext(device, cacheDirectory, BUILD_OPTIONS);
        try {
            this.partials = newStorage(REDUCE_GROUPS);
            this.scratch = newStorage(1 << 16);
        } catch (RuntimeException e) {
            for (ClStorage s : live) s.releaseQuietly();
            cl.close();
            throw e;
        }
    }

    /** The device this backend runs on. */
    public ClDevice device() {
        return device;
    }

    /** Whether the kernels were loaded from the on-disk binary cache rather than compiled. */
    public boolean programFromCache() {
        return cl.programFromCache();
    }

    /** Whether the CPU-oriented vector kernels are in use (chosen by device type). */
    public boolean vectorKernels() {
        return vectorKernels;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Waits until every enqueued kernel has finished. Ops never need it (results are ordered on the
     * queue and downloads wait); benchmarks do, to time the kernels rather than their enqueueing.
     */
    public synchronized void finish() {
        checkOpen();
        cl.finish();
    }

    @Override
    public int threads() {
        return device.computeUnits();
    }

    // ------------------------------------------------------------------------------------ memory

    private ClStorage newStorage(long floats) {
        if (floats * Float.BYTES > device.maxAllocBytes()) {
            throw new IllegalArgumentException("a buffer of " + floats + " floats exceeds the largest allocation of "
                    + device.name() + " (" + device.maxAllocBytes() + " bytes)");
        }
        cl_mem mem = clCreateBuffer(cl.context(), CL_MEM_READ_WRITE, Math.max(1, floats) * Float.BYTES, null, null);
        clEnqueueFillBuffer(cl.queue(), mem, Pointer.to(new float[] {0f}), Float.BYTES, 0,
                Math.max(1, floats) * Float.BYTES, 0, null, null);
        ClStorage s = new ClStorage(this, mem, floats);
        live.add(s);
        return s;
    }

    synchronized void forget(ClStorage s) {
        live.remove(s);
    }

    ClStorage storageOf(Tensor t, String what) {
        if (t == null) throw new IllegalArgumentException(what + " is null");
        Storage s = t.storage();
        if (!(s instanceof ClStorage cs) || cs.backend() != this) {
            String owner = s.backend().name().equals(name) ? "another " + name + " backend instance" : "backend " + s.backend().name();
            throw new IllegalArgumentException(what + " belongs to " + owner + ", not this " + name);
        }
        return cs;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("backend " + name + " is closed");
    }

    @Override
    public synchronized Tensor allocate(long... shape) {
        checkOpen();
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return Tensor.contiguous(newStorage(n), shape);
    }

    @Override
    public synchronized Tensor upload(float[] data, long... shape) {
        Tensor t = allocate(shape);
        if (data.length != t.size()) {
            throw new IllegalArgumentException("upload of " + data.length + " floats into shape " + Arrays.toString(shape));
        }
        upload(data, 0, t);
        return t;
    }

    @Override
    public synchronized void upload(float[] src, int srcOffset, Tensor dst) {
        checkOpen();
        ClStorage s = storageOf(dst, "upload destination");
        long n = dst.size();
        if (srcOffset < 0 || src.length - (long) srcOffset < n) {
            throw new IllegalArgumentException("upload of " + n + " floats from offset " + srcOffset + " of " + src.length);
        }
        if (n == 0) return;
        if (dst.isContiguous()) {
            writeBuffer(s.mem(), dst.offset() * Float.BYTES, n * Float.BYTES,
                    Pointer.to(src).withByteOffset((long) srcOffset * Float.BYTES));
            return;
        }
        ClStorage tmp = scratch(n);
        writeBuffer(tmp.mem(), 0, n * Float.BYTES,
                Pointer.to(src).withByteOffset((long) srcOffset * Float.BYTES));
        copyStrided(tmp, 0, Tensor.rowMajorStrides(dst.shape()), s, dst.offset(), dst.strides(), dst.shape());
    }

    @Override
    public synchronized void download(Tensor src, float[] dst, int dstOffset) {
        checkOpen();
        ClStorage s = storageOf(src, "download source");
        long n = src.size();
        if (dstOffset < 0 || dst.length - (long) dstOffset < n) {
            throw new IllegalArgumentException("download of " + n + " floats to offset " + dstOffset + " of " + dst.length);
        }
        if (n == 0) return;
        if (src.isContiguous()) {
            readBuffer(s.mem(), src.offset() * Float.BYTES, n * Float.BYTES,
                    Pointer.to(dst).withByteOffset((long) dstOffset * Float.BYTES));
            return;
        }
        ClStorage tmp = scratch(n);
        copyStrided(s, src.offset(), src.strides(), tmp, 0, Tensor.rowMajorStrides(src.shape()), src.shape());
        readBuffer(tmp.mem(), 0, n * Float.BYTES,
                Pointer.to(dst).withByteOffset((long) dstOffset * Float.BYTES));
    }

    @Override
    public TransferCounter transfers() {
        return transfers;
    }

    /** A blocking host-to-device write, counted. */
    private void writeBuffer(cl_mem mem, long offsetBytes, long bytes, Pointer from) {
        clEnqueueWriteBuffer(cl.queue(), mem, CL_TRUE, offsetBytes, bytes, from, 0, null, null);
        transfers.uploaded(bytes);
    }

    /** A blocking device-to-host read, counted. */
    private void readBuffer(cl_mem mem, long offsetBytes, long bytes, Pointer to) {
        clEnqueueReadBuffer(cl.queue(), mem, CL_TRUE, offsetBytes, bytes, to, 0, null, null);
        transfers.downloaded(bytes);
    }

    /** The scratch buffer, grown to at least {@code floats}. */
    private ClStorage scratch(long floats) {
        if (scratch.capacity() < floats) {
            // Finish what may still read the old buffer before releasing it.
            cl.finish();
            scratch.close();
            scratch = newStorage(Math.max(floats, scratch.capacity() * 2));
        }
        return scratch;
    }

    /** The indices go up once (into the scratch buffer), then one kernel copies every row on the device. */
    @Override
    public synchronized void gatherRows(Tensor src, int[] rows, Tensor out) {
        checkOpen();
        ClStorage ss = storageOf(src, "gatherRows src"), os = storageOf(out, "gatherRows out");
        RowGather.check(src, rows, out);
        int n = out.rows();
        if (n == 0 || out.cols() == 0) return;
        ClStorage idx = scratch(n);
        writeBuffer(idx.mem(), 0, (long) n * Integer.BYTES, Pointer.to(rows));
        kernel("gather_rows").i32(n).i32(out.cols()).mem(idx).mem(ss).i64(src.offset()).i64(src.rowStride())
                .mem(os).i64(out.offset()).i64(out.rowStride()).run(out.cols(), n);
    }

    @Override
    public synchronized void copy(Tensor src, Tensor dst) {
        checkOpen();
        ClStorage s = storageOf(src, "copy source");
        ClStorage d = storageOf(dst, "copy destination");
        if (!Arrays.equals(src.shape(), dst.shape())) {
            throw new IllegalArgumentException("copy between shapes " + Arrays.toString(src.shape()) + " and " + Arrays.toString(dst.shape()));
        }
        if (src.size() == 0) return;
        if (src.isContiguous() && dst.isContiguous() && s != d) {
            clEnqueueCopyBuffer(cl.queue(), s.mem(), d.mem(), src.offset() * Float.BYTES, dst.offset() * Float.BYTES,
                    src.size() * Float.BYTES, 0, null, null);
            return;
        }
        copyStrided(s, src.offset(), src.strides(), d, dst.offset(), dst.strides(), src.shape());
    }

    /** Element-by-element copy between two strided views of one shape (rank 0 to 4). */
    private void copyStrided(ClStorage src, long srcOff, long[] srcStrides, ClStorage dst, long dstOff, long[] dstStrides, long[] shape) {
        long[] dims = rank4(shape, shape, 1);
        long[] ss = rank4(shape, srcStrides, 0);
        long[] ds = rank4(shape, dstStrides, 0);
        long n = dims[0] * dims[1] * dims[2] * dims[3];
        if (n == 0) return;
        kernel("copy_strided")
                .i64(n).i32(Math.toIntExact(dims[1])).i32(Math.toIntExact(dims[2])).i32(Math.toIntExact(dims[3]))
                .mem(src).i64(srcOff).i64(ss[0]).i64(ss[1]).i64(ss[2]).i64(ss[3])
                .mem(dst).i64(dstOff).i64(ds[0]).i64(ds[1]).i64(ds[2]).i64(ds[3]).run(n);
    }

    /** {@code values} (one per dimension of {@code shape}) right-aligned in four slots, the rest {@code pad}. */
    private static long[] rank4(long[] shape, long[] values, long pad) {
        if (shape.length > 4) throw new IllegalArgumentException("strided view of rank " + shape.length + " (at most 4)");
        long[] out = {pad, pad, pad, pad};
        System.arraycopy(values, 0, out, 4 - shape.length, shape.length);
        return out;
    }

    @Override
    public synchronized void fill(Tensor dst, float value) {
        checkOpen();
        ClStorage s = storageOf(dst, "fill destination");
        long n = dst.size();
        if (n == 0) return;
        long[] dims = rank4(dst.shape(), dst.shape(), 1);
        long[] ds = rank4(dst.shape(), dst.strides(), 0);
        kernel("fill_strided")
                .i64(n).i32(Math.toIntExact(dims[1])).i32(Math.toIntExact(dims[2])).i32(Math.toIntExact(dims[3]))
                .mem(s).i64(dst.offset()).i64(ds[0]).i64(ds[1]).i64(ds[2]).i64(ds[3]).f32(value).run(n);
    }

    // ------------------------------------------------------------------------------------ linear algebra

    @Override
    public synchronized PackedWeight pack(Tensor w) {
        checkOpen();
        ClView v = ClView.of(this, w, "weight");
        if (w.rank() != 2) throw new IllegalArgumentException("pack expects a 2-D weight [out, in], got " + w);
        int out = v.rows(), in = v.cols();
        int padded = (out + PACK_ALIGN - 1) / PACK_ALIGN * PACK_ALIGN;
        ClStorage t = newStorage((long) in * padded);
        if ((long) in * out > 0) {
            // W^T[k, n] = W[n, k]: read W through the transposed strides, write rows of length `padded`.
            copyStrided(v.storage(), v.offset(), new long[] {1, v.ld()}, t, 0, new long[] {padded, 1}, new long[] {in, out});
        }
        return new ClPackedWeight(w, t, out, in, padded);
    }

    @Override
    public synchronized PackedWeight packHalf(MemorySegment data, WeightType format, int outFeatures, int inFeatures) {
        checkOpen();
        WeightType.checkHalfWeight(data, format, outFeatures, inFeatures);
        long bytes = data.byteSize();
        ClStorage t = newStorage((bytes + Float.BYTES - 1) / Float.BYTES);
        if (bytes > 0) {
            // The stored little-endian bytes as they are (the kernel widens them), through a host array: the
            // source may be an unaligned slice of a mapped file.
            byte[] host = data.toArray(ValueLayout.JAVA_BYTE);
            writeBuffer(t.mem(), 0, bytes, Pointer.to(host));
        }
        return new ClHalfWeight(t, format, outFeatures, inFeatures);
    }

    @Override
    public synchronized void linear(Tensor x, PackedWeight w, Tensor bias, Tensor out) {
        checkOpen();
        if (w instanceof ClHalfWeight hw && hw.data().backend() == this) {
            linearHalf(x, hw, bias, out);
            return;
        }
        if (!(w instanceof ClPackedWeight pw) || pw.transposed().backend() != this) {
            throw new IllegalArgumentException("weight was not packed by " + name);
        }
        ClView xv = matrix(x, "linear input");
        ClView ov = matrix(out, "linear output");
        int m = xv.rows(), k = xv.cols(), n = pw.outFeatures();
        if (k != pw.inFeatures() || ov.rows() != m || ov.cols() != n) {
            throw new IllegalArgumentException("linear: x " + Arrays.toString(x.shape()) + " W [" + n + ", " + pw.inFeatures()
                    + "] out " + Arrays.toString(out.shape()));
        }
        ClView bv = bias == null ? null : ClView.of(this, bias, "linear bias");
        if (bv != null && bv.size() != n) throw new IllegalArgumentException("linear bias of " + bv.size() + " for " + n + " outputs");
        if (m == 0 || n == 0) return;
        if (vectorKernels) {
            ClLaunch l = kernel("linear_vec").i32(m).i32(n).i32(k)
                    .mem(xv.storage()).i64(xv.offset()).i64(xv.ld())
                    .mem(pw.transposed()).i32(pw.paddedOut())
                    .mem(ov.storage()).i64(ov.offset()).i64(ov.ld());
            withBias(l, bv, ov);
            l.run(pw.paddedOut() / PACK_ALIGN, (m + 7) / 8);
            return;
        }
        ClLaunch l = kernel("gemm_tiled").i32(m).i32(n).i32(k)
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld()).i32(0)
                .mem(pw.transposed()).i64(0).i64(pw.paddedOut()).i32(0)
                .f32(1f).f32(0f)
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld());
        withBias(l, bv, ov);
        launchGemm(l, m, n);
    }

    private void linearHalf(Tensor x, ClHalfWeight w, Tensor bias, Tensor out) {
        ClView xv = matrix(x, "linear input");
        ClView ov = matrix(out, "linear output");
        int m = xv.rows(), k = xv.cols(), n = w.outFeatures();
        if (k != w.inFeatures() || ov.rows() != m || ov.cols() != n) {
            throw new IllegalArgumentException("linear: x " + Arrays.toString(x.shape()) + " " + w.format() + " W [" + n + ", "
                    + w.inFeatures() + "] out " + Arrays.toString(out.shape()));
        }
        ClView bv = bias == null ? null : ClView.of(this, bias, "linear bias");
        if (bv != null && bv.size() != n) throw new IllegalArgumentException("linear bias of " + bv.size() + " for " + n + " outputs");
        if (m == 0 || n == 0) return;
        ClLaunch l = kernel("linear_half").i32(m).i32(n).i32(k)
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld())
                .mem(w.data()).i32(w.format().ordinal());
        withBias(l, bv, ov);
        l.mem(ov.storage()).i64(ov.offset()).i64(ov.ld()).run(n, m);
    }

    private static void withBias(ClLaunch l, ClView bias, ClView fallback) {
        if (bias == null) l.mem(fallback.storage()).i64(0).i32(0);
        else l.mem(bias.storage()).i64(bias.offset()).i32(1);
    }

    private void launchGemm(ClLaunch l, int m, int n) {
        long gx = (n + GEMM_TILE - 1) / GEMM_TILE * 16L;
        long gy = (m + GEMM_TILE - 1) / GEMM_TILE * 16L;
        l.runGroups(gx, gy, 16, 16);
    }

    @Override
    public synchronized void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        checkOpen();
        ClView av = matrix(a, "gemm a");
        ClView bv = matrix(b, "gemm b");
        ClView cv = matrix(c, "gemm c");
        int m = transA ? av.cols() : av.rows();
        int k = transA ? av.rows() : av.cols();
        int kb = transB ? bv.cols() : bv.rows();
        int n = transB ? bv.rows() : bv.cols();
        if (k != kb || cv.rows() != m || cv.cols() != n) {
            throw new IllegalArgumentException("gemm shapes: op(a) " + m + "x" + k + ", op(b) " + kb + "x" + n
                    + ", c " + cv.rows() + "x" + cv.cols());
        }
        if (m == 0 || n == 0) return;
        ClLaunch l = kernel("gemm_tiled").i32(m).i32(n).i32(k)
                .mem(av.storage()).i64(av.offset()).i64(av.ld()).i32(transA ? 1 : 0)
                .mem(bv.storage()).i64(bv.offset()).i64(bv.ld()).i32(transB ? 1 : 0)
                .f32(alpha).f32(beta)
                .mem(cv.storage()).i64(cv.offset()).i64(cv.ld());
        withBias(l, null, cv);
        launchGemm(l, m, n);
    }

    private ClView matrix(Tensor t, String what) {
        if (t == null) throw new IllegalArgumentException(what + " is null");
        if (t.rank() != 2) throw new IllegalArgumentException(what + " must be 2-D, got " + t);
        return ClView.of(this, t, what);
    }

    // ------------------------------------------------------------------------------------ norms, activations

    @Override
    public synchronized void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out) {
        checkOpen();
        ClView xv = matrix(x, "layerNorm input");
        ClView ov = sameShape(xv, matrix(out, "layerNorm output"), "layerNorm");
        if ((gamma == null) != (beta == null)) throw new IllegalArgumentException("layerNorm: gamma and beta must both be given or both be null");
        ClView g = gamma == null ? null : vector(gamma, xv.cols(), "layerNorm gamma");
        ClView b = beta == null ? null : vector(beta, xv.cols(), "layerNorm beta");
        if (xv.size() == 0) return;
        ClLaunch l = vectorKernels ? kernel("layer_norm_rows").i32(xv.rows()) : kernel("layer_norm");
        l.i32(xv.cols()).mem(xv.storage()).i64(xv.offset()).i64(xv.ld());
        if (g == null) l.mem(xv.storage()).i64(0).mem(xv.storage()).i64(0).i32(0);
        else l.mem(g.storage()).i64(g.offset()).mem(b.storage()).i64(b.offset()).i32(1);
        l.f32(eps).mem(ov.storage()).i64(ov.offset()).i64(ov.ld());
        launchRows(l, xv.rows());
    }

    @Override
    public synchronized void rmsNorm(Tensor x, Tensor gamma, float eps, Tensor out) {
        checkOpen();
        ClView xv = matrix(x, "rmsNorm input");
        ClView ov = sameShape(xv, matrix(out, "rmsNorm output"), "rmsNorm");
        ClView g = gamma == null ? null : vector(gamma, xv.cols(), "rmsNorm gamma");
        if (xv.size() == 0) return;
        ClLaunch l = vectorKernels ? kernel("rms_norm_rows").i32(xv.rows()) : kernel("rms_norm");
        l.i32(xv.cols()).mem(xv.storage()).i64(xv.offset()).i64(xv.ld());
        if (g == null) l.mem(xv.storage()).i64(0).i32(0);
        else l.mem(g.storage()).i64(g.offset()).i32(1);
        l.f32(eps).mem(ov.storage()).i64(ov.offset()).i64(ov.ld());
        launchRows(l, xv.rows());
    }

    @Override
    public synchronized void headRmsNorm(Tensor x, Tensor gamma, float eps, Tensor out) {
        checkOpen();
        ClView xv = matrix(x, "headRmsNorm x");
        ClView ov = sameShape(xv, matrix(out, "headRmsNorm out"), "headRmsNorm");
        ClView g = ClView.of(this, gamma, "headRmsNorm gamma");
        int hd = Math.toIntExact(g.size());
        if (!g.contiguous() || hd == 0 || xv.cols() % hd != 0) {
            throw new IllegalArgumentException("headRmsNorm: gamma " + gamma + " must be contiguous and divide x's " + xv.cols() + " columns into heads");
        }
        if (xv.size() == 0) return;
        int heads = xv.cols() / hd;
        kernel("head_rms_norm").i32(xv.rows()).i32(heads).i32(hd)
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld())
                .mem(g.storage()).i64(g.offset()).f32(eps)
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld()).run(heads, xv.rows());
    }

    @Override
    public synchronized void rope(Tensor x, Tensor table, int seq, Tensor out) {
        checkOpen();
        ClView xv = matrix(x, "rope x");
        ClView ov = sameShape(xv, matrix(out, "rope out"), "rope");
        ClView tv = matrix(table, "rope table");
        int hd = tv.cols();
        if (seq < 1 || tv.rows() != seq || xv.rows() % seq != 0 || hd == 0 || hd % 2 != 0 || xv.cols() % hd != 0) {
            throw new IllegalArgumentException("rope: table " + table + " must be [seq = " + seq + ", even head dim dividing "
                    + xv.cols() + "] and x " + x + " whole items of seq rows");
        }
        if (xv.size() == 0) return;
        kernel("rope").i32(xv.rows()).i32(xv.cols()).i32(hd).i32(seq)
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld())
                .mem(tv.storage()).i64(tv.offset()).i64(tv.ld())
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld()).run(xv.cols() / 2, xv.rows());
    }

    /** A row kernel: one work-item per row on CPU devices, one work-group per row otherwise. */
    private void launchRows(ClLaunch l, int rows) {
        if (vectorKernels) l.run(rows);
        else l.runGroups((long) rows * NORM_WG, NORM_WG);
    }

    private ClView vector(Tensor t, int length, String what) {
        ClView v = ClView.of(this, t, what);
        if (v.size() != length || (v.rows() > 1 && v.cols() > 1)) {
            throw new IllegalArgumentException(what + " must hold " + length + " contiguous floats, got " + t);
        }
        return v;
    }

    private static ClView sameShape(ClView a, ClView b, String op) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException(op + ": shapes " + a.rows() + "x" + a.cols() + " and " + b.rows() + "x" + b.cols() + " differ");
        }
        return b;
    }

    /** Views of element-wise operands: equal sizes; all taken as rows x cols of the first's shape. */
    private ClView elementwise(ClView first, Tensor t, String what) {
        ClView v = ClView.of(this, t, what);
        if (v.size() != first.size()) {
            throw new IllegalArgumentException(what + " has " + v.size() + " elements, expected " + first.size());
        }
        if (v.rows() == first.rows()) return v;
        // Same size, different collapse (e.g. [n] against [r, c]): only contiguous views can be re-seen.
        if (v.contiguous() && first.contiguous()) {
            return new ClView(v.storage(), v.offset(), first.rows(), first.cols(), first.cols());
        }
        throw new IllegalArgumentException(what + " has a different layout than the other operands");
    }

    @Override
    public synchronized void gelu(Tensor x, Tensor out) {
        activation("gelu_tanh", x, out);
    }

    @Override
    public synchronized void silu(Tensor x, Tensor out) {
        activation("silu", x, out);
    }

    private void activation(String kernelName, Tensor x, Tensor out) {
        checkOpen();
        ClView xv = ClView.of(this, x, kernelName + " input");
        ClView ov = elementwise(xv, out, kernelName + " output");
        if (xv.size() == 0) return;
        launch2d(kernel(kernelName).i32(xv.rows()).i32(xv.cols())
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld())
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld()), xv);
    }

    // ------------------------------------------------------------------------------------ adaLN

    @Override
    public synchronized void modulate(Tensor x, Tensor shift, Tensor scale, int tokensPerItem, Tensor out) {
        checkOpen();
        ClView xv = matrix(x, "modulate x");
        ClView ov = sameShape(xv, matrix(out, "modulate out"), "modulate");
        ClView sh = perItem(matrix(shift, "modulate shift"), xv, tokensPerItem, "modulate shift");
        ClView sc = perItem(matrix(scale, "modulate scale"), xv, tokensPerItem, "modulate scale");
        if (xv.size() == 0) return;
        launch2d(kernel("modulate").i32(xv.rows()).i32(xv.cols()).i32(tokensPerItem)
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld())
                .mem(sh.storage()).i64(sh.offset()).i64(sh.ld())
                .mem(sc.storage()).i64(sc.offset()).i64(sc.ld())
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld()), xv);
    }

    @Override
    public synchronized void gatedAdd(Tensor residual, Tensor y, Tensor gate, int tokensPerItem) {
        checkOpen();
        ClView rv = matrix(residual, "gatedAdd residual");
        ClView yv = sameShape(rv, matrix(y, "gatedAdd y"), "gatedAdd");
        ClView gv = perItem(matrix(gate, "gatedAdd gate"), rv, tokensPerItem, "gatedAdd gate");
        if (rv.size() == 0) return;
        launch2d(kernel("gated_add").i32(rv.rows()).i32(rv.cols()).i32(tokensPerItem)
                .mem(rv.storage()).i64(rv.offset()).i64(rv.ld())
                .mem(yv.storage()).i64(yv.offset()).i64(yv.ld())
                .mem(gv.storage()).i64(gv.offset()).i64(gv.ld()), rv);
    }

    private static ClView perItem(ClView m, ClView x, int tokensPerItem, String what) {
        if (tokensPerItem <= 0) throw new IllegalArgumentException("tokensPerItem must be positive, got " + tokensPerItem);
        if (x.rows() % tokensPerItem != 0 || m.rows() != x.rows() / tokensPerItem || m.cols() != x.cols()) {
            throw new IllegalArgumentException(what + " is " + m.rows() + "x" + m.cols() + ", expected "
                    + (x.rows() / tokensPerItem) + "x" + x.cols() + " for " + x.rows() + " rows of " + tokensPerItem + " tokens");
        }
        return m;
    }

    @Override
    public synchronized void addBroadcastRows(Tensor x, Tensor y, Tensor out) {
        checkOpen();
        ClView xv = matrix(x, "addBroadcastRows x");
        ClView ov = sameShape(xv, matrix(out, "addBroadcastRows out"), "addBroadcastRows");
        ClView yv = y.rank() == 1 ? ClView.of(this, y, "addBroadcastRows y") : matrix(y, "addBroadcastRows y");
        if (y.rank() == 1) yv = new ClView(yv.storage(), yv.offset(), 1, yv.cols(), yv.cols());
        if (yv.cols() != xv.cols() || (yv.rows() == 0 && xv.rows() > 0)) {
            throw new IllegalArgumentException("addBroadcastRows: y " + Arrays.toString(y.shape()) + " does not tile x " + Arrays.toString(x.shape()));
        }
        if (xv.size() == 0) return;
        launch2d(kernel("add_broadcast_rows").i32(xv.rows()).i32(xv.cols()).i32(yv.rows())
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld())
                .mem(yv.storage()).i64(yv.offset()).i64(yv.ld())
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld()), xv);
    }

    // ------------------------------------------------------------------------------------ attention

    @Override
    public synchronized void attention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor out) {
        checkOpen();
        ClView qv = matrix(q, "attention q");
        ClView kv = sameShape(qv, matrix(k, "attention k"), "attention");
        ClView vv = sameShape(qv, matrix(v, "attention v"), "attention");
        ClView ov = sameShape(qv, matrix(out, "attention out"), "attention");
        if (batch < 0 || seq < 0 || heads <= 0 || qv.rows() != (long) batch * seq || qv.cols() % heads != 0) {
            throw new IllegalArgumentException("attention: q " + qv.rows() + "x" + qv.cols() + " for batch " + batch
                    + ", seq " + seq + ", heads " + heads);
        }
        int hd = qv.cols() / heads;
        if (hd > ATT_WIDE_MAX_HD) throw new IllegalArgumentException("attention head dimension " + hd + " exceeds " + ATT_WIDE_MAX_HD);
        if (qv.size() == 0) return;
        boolean wide = hd > ATT_MAX_HD;
        boolean rows = wide || (vectorKernels && hd % 8 == 0);
        ClLaunch l = kernel(wide ? "attention_wide" : rows ? "attention_rows" : "attention").i32(seq).i32(heads).i32(hd).f32(scale)
                .mem(qv.storage()).i64(qv.offset()).i64(qv.ld())
                .mem(kv.storage()).i64(kv.offset()).i64(kv.ld())
                .mem(vv.storage()).i64(vv.offset()).i64(vv.ld())
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld());
        if (rows) l.run(seq, (long) batch * heads);
        else l.runGroups((long) (seq + ATT_BQ - 1) / ATT_BQ * ATT_BQ, (long) batch * heads, ATT_BQ, 1);
    }

    // ------------------------------------------------------------------------------------ text encoders (CLIP, T5)

    @Override
    public synchronized void quickGelu(Tensor x, Tensor out) {
        activation("quick_gelu", x, out);
    }

    @Override
    public synchronized void multiply(Tensor x, Tensor y, Tensor out) {
        checkOpen();
        ClView xv = ClView.of(this, x, "multiply x");
        ClView yv = elementwise(xv, y, "multiply y");
        ClView ov = elementwise(xv, out, "multiply out");
        if (xv.size() == 0) return;
        launch2d(kernel("multiply").i32(xv.rows()).i32(xv.cols())
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld())
                .mem(yv.storage()).i64(yv.offset()).i64(yv.ld())
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld()), xv);
    }

    @Override
    public synchronized void causalAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale,
                                             Tensor out) {
        maskedAttention("causalAttention", q, k, v, batch, seq, heads, scale, null, true, out);
    }

    @Override
    public synchronized void biasedAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale,
                                             Tensor bias, Tensor out) {
        if (bias == null) throw new IllegalArgumentException("biasedAttention: bias is null");
        maskedAttention("biasedAttention", q, k, v, batch, seq, heads, scale, bias, false, out);
    }

    private void maskedAttention(String op, Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale,
                                 Tensor bias, boolean causal, Tensor out) {
        checkOpen();
        ClView qv = matrix(q, op + " q");
        ClView kv = sameShape(qv, matrix(k, op + " k"), op);
        ClView vv = sameShape(qv, matrix(v, op + " v"), op);
        ClView ov = sameShape(qv, matrix(out, op + " out"), op);
        if (batch < 0 || seq < 0 || heads <= 0 || qv.rows() != (long) batch * seq || qv.cols() % heads != 0) {
            throw new IllegalArgumentException(op + ": q " + qv.rows() + "x" + qv.cols() + " for batch " + batch
                    + ", seq " + seq + ", heads " + heads);
        }
        ClView bv = null;
        if (bias != null) {
            bv = matrix(bias, op + " bias");
            if (bv.rows() != (long) heads * seq || bv.cols() != seq) {
                throw new IllegalArgumentException(op + ": bias is " + bv.rows() + "x" + bv.cols() + ", expected "
                        + ((long) heads * seq) + "x" + seq);
            }
        }
        int hd = qv.cols() / heads;
        if (hd > ATT_MAX_HD) throw new IllegalArgumentException(op + " head dimension " + hd + " exceeds " + ATT_MAX_HD);
        if (qv.size() == 0) return;
        ClLaunch l = kernel("attention_masked").i32(seq).i32(heads).i32(hd).f32(scale).i32(causal ? 1 : 0)
                .i32(bv == null ? 0 : 1)
                .mem(qv.storage()).i64(qv.offset()).i64(qv.ld())
                .mem(kv.storage()).i64(kv.offset()).i64(kv.ld())
                .mem(vv.storage()).i64(vv.offset()).i64(vv.ld());
        if (bv == null) l.mem(qv.storage()).i64(0).i64(0);
        else l.mem(bv.storage()).i64(bv.offset()).i64(bv.ld());
        l.mem(ov.storage()).i64(ov.offset()).i64(ov.ld()).run(seq, (long) batch * heads);
    }

    // ------------------------------------------------------------------------------------ embeddings, layout

    @Override
    public synchronized void timestepEmbedding(float[] t, float maxPeriod, Tensor out) {
        checkOpen();
        ClView ov = matrix(out, "timestepEmbedding out");
        int dim = ov.cols();
        int half = dim / 2;
        if (!(maxPeriod > 0f)) throw new IllegalArgumentException("timestepEmbedding: maxPeriod " + maxPeriod + " must be positive");
        if (ov.rows() != t.length) throw new IllegalArgumentException("timestepEmbedding: " + t.length + " times for " + ov.rows() + " rows");
        if (ov.size() == 0) return;
        // Angles in double, reduced to [-pi, pi] before they become floats (see embedding.cl).
        int n = Math.max(1, t.length * half);
        float[] angles = hostScratch(n);
        double logPeriod = Math.log(maxPeriod);
        for (int i = 0; i < half; i++) {
            double f = Math.exp(-logPeriod * i / half);
            for (int b = 0; b < t.length; b++) {
                angles[b * half + i] = (float) Math.IEEEremainder(t[b] * f, 2 * Math.PI);
            }
        }
        ClStorage buf = scratch(n);
        writeBuffer(buf.mem(), 0, (long) n * Float.BYTES, Pointer.to(angles));
        launch2d(kernel("timestep_embedding").i32(t.length).i32(dim).i32(half).mem(buf)
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld()), ov);
    }

    private float[] hostScratch(int n) {
        if (hostScratch.length < n) hostScratch = new float[Math.max(n, hostScratch.length * 2)];
        return hostScratch;
    }

    @Override
    public synchronized void patchify(Tensor img, int channels, int height, int width, int patch, Tensor out) {
        patchFold(img, channels, height, width, patch, out, true);
    }

    @Override
    public synchronized void unpatchify(Tensor tokens, int channels, int height, int width, int patch, Tensor img) {
        patchFold(img, channels, height, width, patch, tokens, false);
    }

    private void patchFold(Tensor img, int channels, int height, int width, int patch, Tensor tokens, boolean toTokens) {
        checkOpen();
        ClStorage is = storageOf(img, "image");
        if (!img.isContiguous()) throw new IllegalArgumentException("the image must be contiguous, got " + img);
        ClView tv = matrix(tokens, "patch tokens");
        if (channels <= 0 || patch <= 0 || height % patch != 0 || width % patch != 0) {
            throw new IllegalArgumentException("image " + channels + "x" + height + "x" + width + " does not split into " + patch + "x" + patch + " patches");
        }
        long perImage = (long) channels * height * width;
        long batch = img.size() / perImage;
        long tokensPerImage = (long) (height / patch) * (width / patch);
        if (batch * perImage != img.size() || tv.rows() != batch * tokensPerImage || tv.cols() != channels * patch * patch) {
            throw new IllegalArgumentException("patch tokens " + tv.rows() + "x" + tv.cols() + " do not match image " + img);
        }
        if (img.size() == 0) return;
        kernel("patch_fold").i64(tv.rows()).i32(channels).i32(height).i32(width).i32(patch).i32(toTokens ? 1 : 0)
                .mem(is).i64(img.offset()).mem(tv.storage()).i64(tv.offset()).i64(tv.ld())
                .run(tv.cols(), tv.rows());
    }

    // ------------------------------------------------------------------------------------ element-wise

    @Override
    public synchronized void axpby(float a, Tensor x, float b, Tensor y, Tensor out) {
        checkOpen();
        ClView xv = ClView.of(this, x, "axpby x");
        ClView yv = elementwise(xv, y, "axpby y");
        ClView ov = elementwise(xv, out, "axpby out");
        axpbyViews(a, xv, b, yv, ov);
    }

    private void axpbyViews(float a, ClView xv, float b, ClView yv, ClView ov) {
        if (xv.size() == 0) return;
        if (vectorKernels && xv.contiguous() && yv.contiguous() && ov.contiguous()) {
            kernel("axpby_vec4").i64(xv.size()).f32(a).f32(b)
                    .mem(xv.storage()).i64(xv.offset()).mem(yv.storage()).i64(yv.offset()).mem(ov.storage()).i64(ov.offset())
                    .run((xv.size() + 3) / 4);
            return;
        }
        launch2d(kernel("axpby").i32(xv.rows()).i32(xv.cols()).f32(a).f32(b)
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld())
                .mem(yv.storage()).i64(yv.offset()).i64(yv.ld())
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld()), xv);
    }

    @Override
    public synchronized void sdeUpdate(Tensor x, Tensor f, float dt, float gSqrtDt, Tensor z, Tensor out) {
        checkOpen();
        ClView xv = ClView.of(this, x, "sdeUpdate x");
        ClView fv = elementwise(xv, f, "sdeUpdate f");
        ClView ov = elementwise(xv, out, "sdeUpdate out");
        if (z == null && gSqrtDt != 0f) throw new IllegalArgumentException("sdeUpdate: noise z is null but gSqrtDt = " + gSqrtDt);
        ClView zv = z == null ? null : elementwise(xv, z, "sdeUpdate z");
        boolean hasZ = zv != null;
        if (xv.size() == 0) return;
        ClView zArg = hasZ ? zv : xv;
        if (vectorKernels && xv.contiguous() && fv.contiguous() && ov.contiguous() && zArg.contiguous()) {
            kernel("sde_update_vec4").i64(xv.size()).f32(dt).f32(gSqrtDt).i32(hasZ ? 1 : 0)
                    .mem(xv.storage()).i64(xv.offset()).mem(fv.storage()).i64(fv.offset())
                    .mem(zArg.storage()).i64(zArg.offset()).mem(ov.storage()).i64(ov.offset())
                    .run((xv.size() + 3) / 4);
            return;
        }
        launch2d(kernel("sde_update").i32(xv.rows()).i32(xv.cols()).f32(dt).f32(gSqrtDt).i32(hasZ ? 1 : 0)
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld())
                .mem(fv.storage()).i64(fv.offset()).i64(fv.ld())
                .mem(zArg.storage()).i64(zArg.offset()).i64(zArg.ld())
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld()), xv);
    }

    /** In float on the device (the coefficients rounded once): see combine in elementwise.cl. */
    @Override
    public synchronized void combine(double a, Tensor x, double b, Tensor y, double c, Tensor z, Tensor out) {
        checkOpen();
        ClView xv = ClView.of(this, x, "combine x");
        ClView ov = elementwise(xv, out, "combine out");
        ClView yv = y == null ? xv : elementwise(xv, y, "combine y");
        ClView zv = z == null ? xv : elementwise(xv, z, "combine z");
        if (xv.size() == 0) return;
        launch2d(kernel("combine").i32(xv.rows()).i32(xv.cols()).f32((float) a).f32((float) b).f32((float) c)
                .i32((y == null ? 0 : 1) | (z == null ? 0 : 2))
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld())
                .mem(yv.storage()).i64(yv.offset()).i64(yv.ld())
                .mem(zv.storage()).i64(zv.offset()).i64(zv.ld())
                .mem(ov.storage()).i64(ov.offset()).i64(ov.ld()), xv);
    }

    /** Tweedie is the axpby kernel with coefficients {@code sigma/d} and {@code -sigmaDot/d} formed in double. */
    @Override
    public synchronized void tweedie(Tensor x, Tensor u, double sigma, double sigmaDot, double d, Tensor out) {
        checkOpen();
        ClView uv = ClView.of(this, u, "tweedie u");
        ClView xv = elementwise(uv, x, "tweedie x");
        ClView ov = elementwise(uv, out, "tweedie out");
        if (d == 0.0 || !Double.isFinite(d)) {
            throw new IllegalArgumentException("tweedie: denominator d = alphaDot*sigma - sigmaDot*alpha is " + d
                    + "; it must be finite and non-zero");
        }
        axpbyViews((float) (sigma / d), uv, (float) (-sigmaDot / d), xv, ov);
    }

    // ------------------------------------------------------------------------------------ reductions

    @Override
    public synchronized double sum(Tensor x) {
        return reduce(x, 0);
    }

    @Override
    public synchronized double max(Tensor x) {
        return reduce(x, 2);
    }

    @Override
    public synchronized double norm2(Tensor x) {
        return Math.sqrt(reduce(x, 1));
    }

    /** Device partials (one per work-group, tree-reduced in local memory), finished on the host in double. */
    private double reduce(Tensor x, int op) {
        checkOpen();
        ClView xv = ClView.of(this, x, "reduction input");
        long n = xv.size();
        if (n == 0) return op == 2 ? Double.NEGATIVE_INFINITY : 0.0;
        int groups = (int) Math.min(REDUCE_GROUPS, (n + REDUCE_WG - 1) / REDUCE_WG);
        kernel("reduce_partial").i32(op).i32(xv.rows()).i32(xv.cols())
                .mem(xv.storage()).i64(xv.offset()).i64(xv.ld()).mem(partials)
                .runGroups((long) groups * REDUCE_WG, REDUCE_WG);
        readBuffer(partials.mem(), 0, (long) groups * Float.BYTES, partialsHostPointer);
        if (op == 2) {
            double m = Double.NEGATIVE_INFINITY;
            for (int g = 0; g < groups; g++) {
                float p = partialsHost[g];
                if (Float.isNaN(p)) return Double.NaN;
                m = Math.max(m, p);
            }
            return m;
        }
        double s = 0;
        for (int g = 0; g < groups; g++) s += partialsHost[g];
        return s;
    }

    // ------------------------------------------------------------------------------------ randomness

    @Override
    public synchronized void normal(long key, int s0, int s1, int s2, Tensor out) {
        checkOpen();
        storageOf(out, "normal output");
        int n = Math.toIntExact(out.size());
        float[] host = hostScratch(n);
        Philox.fillNormal(key, s0, s1, s2, 0, host, 0, n);
        upload(host, 0, out);
    }

    /**
     * {@code boxmuller-v1} as above, on the host; {@code quantile-v2} on the device ({@code normal.cl}), which its
     * exactly rounded operations allow: a non-contiguous {@code out} is filled through the scratch buffer.
     */
    @Override
    public synchronized void normal(NoiseScheme scheme, long key, int s0, int s1, int s2, Tensor out) {
        if (scheme != NoiseScheme.QUANTILE_V2) {
            normal(key, s0, s1, s2, out);
            return;
        }
        checkOpen();
        ClStorage s = storageOf(out, "normal output");
        long n = out.size();
        if (n == 0) return;
        if (n > 1L << 34) throw new IllegalArgumentException("a normal stream holds 2^34 elements, asked for " + n);
        if (quantileTable == null) {
            float[] table = NormalQuantile.table();
            quantileTable = newStorage(table.length);
            writeBuffer(quantileTable.mem(), 0, (long) table.length * Float.BYTES,
                    Pointer.to(table));
        }
        boolean direct = out.isContiguous();
        ClStorage target = direct ? s : scratch(n);
        kernel("normal_quantile").i64(n).i32((int) key).i32((int) (key >>> 32)).i32(s0).i32(s1).i32(s2)
                .mem(quantileTable).mem(target).i64(direct ? out.offset() : 0).run((n + 3) / 4);
        if (!direct) copyStrided(target, 0, Tensor.rowMajorStrides(out.shape()), s, out.offset(), out.strides(), out.shape());
    }

    // ------------------------------------------------------------------------------------ lifecycle

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        // Kernels still running may read the buffers: the queue drains before anything is released.
        try {
            cl.finish();
        } catch (CLException e) {
            // The device is gone or broken; release what can be released.
        }
        for (ClStorage s : live) s.releaseQuietly();
        live.clear();
        cl.close();
    }

    // ------------------------------------------------------------------------------------ image convolutions

    @Override
    public synchronized ConvWeight packConv(MemorySegment data, WeightType type, int outChannels, int inChannels,
                                            int kernelHeight, int kernelWidth) {
        checkOpen();
        HostConvWeight.check(data, type, outChannels, inChannels, kernelHeight, kernelWidth);
        long bytes = data.byteSize();
        ClStorage device = newStorage((bytes + Float.BYTES - 1) / Float.BYTES);
        // The stored bytes as they are; the kernel widens narrow types itself. The heap copy lives for this call only.
        byte[] staging = data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
        writeBuffer(device.mem(), 0, bytes, Pointer.to(staging));
        return new ClConvWeight(data, type, outChannels, inChannels, kernelHeight, kernelWidth, device);
    }

    @Override
    public synchronized void conv2d(Tensor x, ConvWeight w, Tensor bias, Tensor out) {
        checkOpen();
        if (!(w instanceof ClConvWeight cw) || cw.device().backend() != this) {
            throw new IllegalArgumentException("conv2d: weight was not packed by " + name);
        }
        ClStorage xs = image(x, "conv2d x"), os = image(out, "conv2d out");
        if (x.dim(1) != w.inChannels() || out.dim(0) != x.dim(0) || out.dim(1) != w.outChannels()
                || out.dim(2) != x.dim(2) || out.dim(3) != x.dim(3)) {
            throw new IllegalArgumentException("conv2d: x " + x + " and out " + out + " do not fit a weight ["
                    + w.outChannels() + ", " + w.inChannels() + ", " + w.kernelHeight() + ", " + w.kernelWidth() + "]");
        }
        if (xs == os && x.offset() < out.offset() + out.size() && out.offset() < x.offset() + x.size()) {
            throw new IllegalArgumentException("conv2d: out " + out + " must not overlap x " + x);
        }
        ClStorage bs = xs;
        long bOff = 0;
        if (bias != null) {
            if (bias.size() != w.outChannels() || !bias.isContiguous()) {
                throw new IllegalArgumentException("conv2d: bias must hold " + w.outChannels() + " contiguous floats, got " + bias);
            }
            bs = storageOf(bias, "conv2d bias");
            bOff = bias.offset();
        }
        int h = Math.toIntExact(x.dim(2)), wd = Math.toIntExact(x.dim(3));
        long rows = out.dim(0) * out.dim(1) * h;
        if (rows == 0 || wd == 0) return;
        kernel("conv2d_nchw").i32(w.inChannels()).i32(w.outChannels()).i32(h).i32(wd).i32(w.kernelHeight())
                .i32(w.kernelWidth()).i32(w.type().ordinal()).i32(bias == null ? 0 : 1)
                .mem(xs).i64(x.offset()).mem(cw.device()).mem(bs).i64(bOff).mem(os).i64(out.offset()).i64(rows)
                .run(wd, rows);
    }

    @Override
    public synchronized void groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, Tensor out) {
        checkOpen();
        ClStorage xs = image(x, "groupNorm x"), os = image(out, "groupNorm out");
        if (!Arrays.equals(x.shape(), out.shape())) {
            throw new IllegalArgumentException("groupNorm: x " + x + " and out " + out + " differ in shape");
        }
        int channels = Math.toIntExact(x.dim(1));
        if (groups < 1 || channels % groups != 0) {
            throw new IllegalArgumentException("groupNorm: " + channels + " channels do not split into " + groups + " groups");
        }
        if ((gamma == null) != (beta == null)) throw new IllegalArgumentException("groupNorm takes both gamma and beta or neither");
        ClStorage gs = xs, bs = xs;
        long gOff = 0, bOff = 0;
        if (gamma != null) {
            if (gamma.size() != channels || beta.size() != channels || !gamma.isContiguous() || !beta.isContiguous()) {
                throw new IllegalArgumentException("groupNorm: gamma and beta must hold " + channels + " contiguous floats");
            }
            gs = storageOf(gamma, "groupNorm gamma");
            bs = storageOf(beta, "groupNorm beta");
            gOff = gamma.offset();
            bOff = beta.offset();
        }
        long plane = x.dim(2) * x.dim(3);
        long items = x.dim(0) * groups;
        if (x.size() == 0) return;
        int perGroup = channels / groups;
        ClStorage stats = scratch(2 * items);
        kernel("group_norm_stats").i64(items).i64(perGroup * plane).f32(eps).mem(xs).i64(x.offset()).mem(stats).run(items);
        long planes = x.dim(0) * channels;
        kernel("group_norm_apply").i64(plane).i32(channels).i32(perGroup).i32(gamma == null ? 0 : 1)
                .mem(xs).i64(x.offset()).mem(stats).mem(gs).i64(gOff).mem(bs).i64(bOff)
                .mem(os).i64(out.offset()).i64(planes).run(plane, planes);
    }

    @Override
    public synchronized void upsampleNearest2x(Tensor x, Tensor out) {
        checkOpen();
        ClStorage xs = image(x, "upsampleNearest2x x"), os = image(out, "upsampleNearest2x out");
        if (out.dim(0) != x.dim(0) || out.dim(1) != x.dim(1) || out.dim(2) != 2 * x.dim(2) || out.dim(3) != 2 * x.dim(3)) {
            throw new IllegalArgumentException("upsampleNearest2x: out " + out + " is not x " + x + " doubled in H and W");
        }
        if (x.size() == 0) return;
        int h = Math.toIntExact(x.dim(2)), w = Math.toIntExact(x.dim(3));
        long rows = x.dim(0) * x.dim(1) * 2 * h;
        kernel("upsample_nearest2x").i32(h).i32(w).i64(rows).mem(xs).i64(x.offset()).mem(os).i64(out.offset())
                .run(2L * w, rows);
    }

    private ClStorage image(Tensor t, String what) {
        ClStorage s = storageOf(t, what);
        if (t.rank() != 4 || !t.isContiguous()) {
            throw new IllegalArgumentException(what + " must be a contiguous [B, C, H, W] tensor, got " + t);
        }
        return s;
    }

    // ------------------------------------------------------------------------------------ launching

    private ClLaunch kernel(String kernelName) {
        return cl.kernel(kernelName);
    }

    private static void launch2d(ClLaunch l, ClView shape) {
        l.run(shape.cols(), shape.rows());
    }
}
