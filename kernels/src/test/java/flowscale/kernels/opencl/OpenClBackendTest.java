package flowscale.kernels.opencl;

import flowscale.kernels.Backend;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Philox;
import flowscale.kernels.Tensor;
import flowscale.kernels.conformance.Conformance;
import flowscale.kernels.conformance.OpResult;
import flowscale.kernels.reference.ReferenceBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The OpenCL kernels against the scalar reference, on both kernel variants: the CPU-device one
 * (float8 linear, float4 updates) and the work-group-tiled GPU one, run here on the same PoCL device.
 * Sizes cross the 64-wide GEMM tiles, the 32-query / 16-key attention tiles and the 128-wide
 * reduction groups with tails; operands are offset column chunks of larger buffers.
 */
class OpenClBackendTest {
    private static ReferenceBackend ref;
    private static OpenClBackend vec;
    private static OpenClBackend tiled;

    @BeforeAll
    static void start() {
        assertTrue(ClDevices.available(), "no OpenCL device found; these tests need one (Debian: apt-get install pocl-opencl-icd ocl-icd-opencl-dev)");
        ref = new ReferenceBackend();
        ClDevice device = ClDevices.select("opencl");
        vec = new OpenClBackend(device, ClProgramCache.defaultDirectory(), true);
        tiled = new OpenClBackend(device, ClProgramCache.defaultDirectory(), false);
    }

    @AfterAll
    static void stop() {
        if (vec != null) vec.close();
        if (tiled != null) tiled.close();
        if (ref != null) ref.close();
    }

    /** Every host-device transfer is counted: the caller's uploads and downloads, and a reduction's partials. */
    @Test
    void transfersAreCountedInBytes() {
        try (OpenClBackend be = new OpenClBackend(ClDevices.select("opencl"), ClProgramCache.defaultDirectory(), true)) {
            Tensor t = be.allocate(3, 5);
            be.transfers().reset();
            be.upload(new float[20], 2, t);
            be.upload(new float[6], 0, t.colRange(1, 2)); // strided: through the scratch buffer, still 6 floats
            float[] back = new float[15];
            be.download(t, back, 0);
            assertEquals(21 * Float.BYTES, be.transfers().uploadedBytes());
            assertEquals(15 * Float.BYTES, be.transfers().downloadedBytes());
            assertEquals(2, be.transfers().uploads());
            be.sum(t);
            assertEquals(2, be.transfers().downloads(), "the reduction reads its partials back");
            be.transfers().reset();
            assertEquals(0, be.transfers().totalBytes());
        }
    }

    @Test
    void libjsigIsPreloadedSoPoclCannotTakeTheJvmSignals() {
        String preload = System.getenv("LD_PRELOAD");
        assertTrue(preload != null && preload.contains("libjsig"), "LD_PRELOAD=" + preload);
    }

    /**
     * ConformanceTest runs the suite on the kernels a CPU device picks; the tiled kernels a GPU would run
     * get the same suite here (quick mode), on the same PoCL device.
     */
    @Test
    void tiledKernelsPassTheConformanceSuite() {
        for (OpResult r : Conformance.run(tiled, 20261122L, true)) {
            assertTrue(r.ok() && r.shapes() > 0, r.op() + ": worst error " + r.worstError() + " > " + r.tolerance() + "; " + r.detail());
        }
    }

    // ---------------------------------------------------------------- helpers

    /** The same random floats on a backend, as the column chunk [.., colOffset, colOffset+cols) of a wider buffer. */
    private static Tensor chunk(Backend b, long seed, int rows, int cols, int colOffset, int extraCols) {
        int width = colOffset + cols + extraCols;
        Tensor whole = b.upload(random(seed, rows * width), rows, width);
        return whole.colRange(colOffset, cols);
    }

    private static float[] random(long seed, int n) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }

    private static float[] get(Backend b, Tensor t) {
        float[] out = new float[Math.toIntExact(t.size())];
        b.download(t, out, 0);
        return out;
    }

    private static void assertClose(float[] expected, float[] actual, double tol, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            double err = Math.abs(e - a) / Math.max(1.0, Math.abs(e));
            if (!(err <= tol)) {
                throw new AssertionError(what + ": element " + i + " expected " + e + " got " + a + " (rel err " + err + ")");
            }
        }
    }

    /** Runs {@code op} on the reference and on both OpenCL variants and compares the output tensors. */
    private interface Op {
        Tensor run(Backend b);
    }

    private static void agree(String what, double tol, Op op) {
        float[] expected = get(ref, op.run(ref));
        assertClose(expected, get(vec, op.run(vec)), tol, what + " (vector kernels)");
        assertClose(expected, get(tiled, op.run(tiled)), tol, what + " (tiled kernels)");
    }

    // ---------------------------------------------------------------- memory

    @Test
    void stridedUploadDownloadCopyAndFill() {
        for (OpenClBackend b : new OpenClBackend[] {vec, tiled}) {
            Tensor whole = b.allocate(5, 9);
            Tensor part = whole.colRange(2, 4).rowRange(1, 3);
            float[] data = random(1, 12);
            b.upload(data, 0, part);
            assertArrayEquals(data, get(b, part));
            float[] all = get(b, whole);
            assertEquals(0f, all[0]);
            assertEquals(data[0], all[9 + 2]);

            // A transposed (non-unit inner stride) view copied into a contiguous tensor.
            Tensor m = b.upload(random(2, 6 * 7), 6, 7);
            Tensor t = b.allocate(7, 6);
            b.copy(m.view(0, new long[] {7, 6}, new long[] {1, 7}), t);
            float[] mh = get(b, m), th = get(b, t);
            for (int i = 0; i < 6; i++) for (int j = 0; j < 7; j++) assertEquals(mh[i * 7 + j], th[j * 6 + i]);

            // Host array offsets on both sides, contiguous and strided.
            float[] padded = new float[20];
            System.arraycopy(data, 0, padded, 3, 12);
            Tensor flat = b.allocate(12);
            b.upload(padded, 3, flat);
            b.upload(padded, 3, part);
            float[] back = new float[15];
            b.download(flat, back, 2);
            for (int i = 0; i < 12; i++) assertEquals(data[i], back[2 + i]);
            b.download(part, back, 1);
            for (int i = 0; i < 12; i++) assertEquals(data[i], back[1 + i]);

            b.fill(part, 2.5f);
            float[] filled = get(b, whole);
            assertEquals(2.5f, filled[9 + 2]);
            assertEquals(0f, filled[9 + 1]);
            assertEquals(0f, filled[9 + 6]);
        }
    }

    // ---------------------------------------------------------------- linear algebra

    @Test
    void linearWithBiasOnOffsetViews() {
        int m = 67, k = 45, n = 70;
        agree("linear", 2e-5, b -> {
            Tensor x = chunk(b, 3, m, k, 3, 2);
            PackedWeight w = b.pack(b.upload(random(4, n * k), n, k));
            Tensor bias = b.upload(random(5, n), n);
            Tensor out = chunk(b, 6, m, n, 1, 5);
            b.linear(x, w, bias, out);
            return out;
        });
        agree("linear without bias", 2e-5, b -> {
            Tensor x = b.upload(random(7, 3 * 17), 3, 17);
            PackedWeight w = b.pack(b.upload(random(8, 5 * 17), 5, 17));
            Tensor out = b.allocate(3, 5);
            b.linear(x, w, null, out);
            return out;
        });
    }

    @Test
    void gemmAllTransposesWithAlphaBeta() {
        int m = 70, n = 33, k = 81;
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                agree("gemm " + ta + " " + tb, 2e-5, b -> {
                    Tensor a = ta ? chunk(b, 9, k, m, 1, 0) : chunk(b, 9, m, k, 0, 3);
                    Tensor bb = tb ? chunk(b, 10, n, k, 2, 1) : chunk(b, 10, k, n, 0, 0);
                    Tensor c = chunk(b, 11, m, n, 4, 0);
                    b.gemm(ta, tb, 0.75f, a, bb, -0.5f, c);
                    return c;
                });
            }
        }
        agree("gemm beta 0 ignores NaN", 2e-5, b -> {
            Tensor a = b.upload(random(12, 4 * 3), 4, 3);
            Tensor bb = b.upload(random(13, 3 * 2), 3, 2);
            Tensor c = b.allocate(4, 2);
            b.fill(c, Float.NaN);
            b.gemm(false, false, 1f, a, bb, 0f, c);
            return c;
        });
    }

    // ---------------------------------------------------------------- norms, activations, adaLN

    @Test
    void normsAndActivations() {
        agree("layerNorm affine", 1e-5, b -> {
            Tensor x = chunk(b, 14, 9, 300, 5, 0);
            Tensor out = b.allocate(9, 300);
            b.layerNorm(x, b.upload(random(15, 300), 300), b.upload(random(16, 300), 300), 1e-6f, out);
            return out;
        });
        agree("layerNorm plain", 1e-5, b -> {
            Tensor x = b.upload(random(17, 4 * 7), 4, 7);
            b.layerNorm(x, null, null, 1e-5f, x);
            return x;
        });
        agree("rmsNorm", 1e-5, b -> {
            Tensor x = chunk(b, 18, 5, 129, 1, 1);
            Tensor out = b.allocate(5, 129);
            b.rmsNorm(x, b.upload(random(19, 129), 129), 1e-6f, out);
            return out;
        });
        agree("gelu", 1e-5, b -> {
            Tensor x = chunk(b, 20, 6, 31, 2, 0);
            Tensor out = b.allocate(6, 31);
            b.gelu(x, out);
            return out;
        });
        agree("silu in place", 1e-5, b -> {
            Tensor x = b.upload(random(21, 1001), 1001);
            b.silu(x, x);
            return x;
        });
    }

    @Test
    void adaLnPieces() {
        int items = 3, tokens = 5, d = 20;
        agree("modulate", 1e-6, b -> {
            Tensor mod = b.upload(random(22, items * 3 * d), items, 3 * d);
            Tensor x = b.upload(random(23, items * tokens * d), items * tokens, d);
            Tensor out = b.allocate(items * tokens, d);
            b.modulate(x, mod.colRange(0, d), mod.colRange(d, d), tokens, out);
            return out;
        });
        agree("gatedAdd", 1e-6, b -> {
            Tensor mod = b.upload(random(24, items * 3 * d), items, 3 * d);
            Tensor res = b.upload(random(25, items * tokens * d), items * tokens, d);
            b.gatedAdd(res, b.upload(random(26, items * tokens * d), items * tokens, d), mod.colRange(2 * d, d), tokens);
            return res;
        });
        agree("addBroadcastRows", 1e-6, b -> {
            Tensor x = b.upload(random(27, 12 * d), 12, d);
            Tensor out = b.allocate(12, d);
            b.addBroadcastRows(x, b.upload(random(28, 4 * d), 4, d), out);
            return out;
        });
    }

    // ---------------------------------------------------------------- attention

    @Test
    void attentionOnFusedQkvChunks() {
        int batch = 2, seq = 37, heads = 3, hd = 16, w = heads * hd;
        agree("attention", 2e-5, b -> {
            Tensor qkv = b.upload(random(29, batch * seq * 3 * w), batch * seq, 3 * w);
            Tensor out = b.allocate(batch * seq, w);
            b.attention(qkv.colRange(0, w), qkv.colRange(w, w), qkv.colRange(2 * w, w), batch, seq, heads,
                    (float) (1 / Math.sqrt(hd)), out);
            return out;
        });
        agree("attention with large scores", 2e-5, b -> {
            Tensor q = b.upload(random(30, 20 * 64), 20, 64);
            Tensor out = b.allocate(20, 64);
            b.attention(q, q, q, 1, 20, 1, 30f, out);
            return out;
        });
    }

    // ---------------------------------------------------------------- embeddings and layout

    @Test
    void timestepEmbeddingAndPatches() {
        agree("timestepEmbedding", 2e-6, b -> {
            Tensor out = b.allocate(3, 33);
            b.timestepEmbedding(new float[] {0f, 0.37f, 999.5f}, 10000f, out);
            return out;
        });
        int batch = 2, c = 3, h = 8, w = 12, p = 4;
        int tokens = batch * (h / p) * (w / p);
        agree("patchify", 0, b -> {
            Tensor img = b.upload(random(31, batch * c * h * w), batch, c, h, w);
            Tensor out = chunk(b, 32, tokens, c * p * p, 1, 0);
            b.patchify(img, c, h, w, p, out);
            return out;
        });
        agree("unpatchify", 0, b -> {
            Tensor tok = chunk(b, 33, tokens, c * p * p, 2, 1);
            Tensor img = b.allocate(batch, c, h, w);
            b.unpatchify(tok, c, h, w, p, img);
            return img;
        });
    }

    // ---------------------------------------------------------------- element-wise, reductions, noise

    @Test
    void samplerUpdates() {
        int n = 1027;
        agree("axpby", 1e-6, b -> {
            Tensor out = b.allocate(n);
            b.axpby(0.3f, b.upload(random(34, n), n), -1.7f, b.upload(random(35, n), n), out);
            return out;
        });
        agree("axpby on column chunks", 1e-6, b -> {
            Tensor out = chunk(b, 36, 7, 9, 1, 1);
            b.axpby(0.3f, chunk(b, 37, 7, 9, 0, 2), -1.7f, chunk(b, 38, 7, 9, 2, 0), out);
            return out;
        });
        agree("sdeUpdate", 1e-6, b -> {
            Tensor x = b.upload(random(39, n), n);
            b.sdeUpdate(x, b.upload(random(40, n), n), 0.02f, 0.3f, b.upload(random(41, n), n), x);
            return x;
        });
        agree("sdeUpdate ode", 1e-6, b -> {
            Tensor out = chunk(b, 42, 3, 11, 1, 0);
            b.sdeUpdate(chunk(b, 43, 3, 11, 0, 0), chunk(b, 44, 3, 11, 0, 3), 0.1f, 0f, null, out);
            return out;
        });
        agree("tweedie", 1e-6, b -> {
            Tensor out = b.allocate(n);
            b.tweedie(b.upload(random(45, n), n), b.upload(random(46, n), n), 0.6, -1.0, 1.0, out);
            return out;
        });
    }

    @Test
    void reductions() {
        for (int n : new int[] {1, 127, 129, 100_003}) {
            float[] data = random(47 + n, n);
            for (OpenClBackend b : new OpenClBackend[] {vec, tiled}) {
                Tensor t = b.upload(data, n);
                Tensor r = ref.upload(data, n);
                assertEquals(ref.sum(r), b.sum(t), 1e-5 * Math.max(1, n / 100.0), "sum " + n);
                assertEquals(ref.max(r), b.max(t), 0, "max " + n);
                assertEquals(ref.norm2(r), b.norm2(t), 1e-5 * ref.norm2(r), "norm2 " + n);
            }
        }
        Tensor view = chunk(vec, 48, 40, 30, 3, 2);
        Tensor rview = chunk(ref, 48, 40, 30, 3, 2);
        assertEquals(ref.sum(rview), vec.sum(view), 1e-4);
        float[] withNaN = random(49, 500);
        withNaN[321] = Float.NaN;
        assertTrue(Double.isNaN(vec.max(vec.upload(withNaN, 500))));
        assertEquals(Double.NEGATIVE_INFINITY, vec.max(vec.allocate(0)));
    }

    @Test
    void normalsAreBitIdenticalToPhilox() {
        Tensor whole = vec.allocate(6, 50);
        Tensor part = whole.colRange(3, 41);
        vec.normal(0x1234_5678_9ABCL, 7, -2, 11, part);
        float[] got = get(vec, part);
        float[] expected = new float[got.length];
        Philox.fillNormal(0x1234_5678_9ABCL, 7, -2, 11, 0, expected, 0, expected.length);
        assertArrayEquals(expected, got);
    }

    @Test
    void tensorsOfAnotherBackendAreRejectedByName() {
        Tensor host = ref.allocate(4);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> vec.fill(host, 1f));
        assertTrue(e.getMessage().contains("belongs to backend reference"), e.getMessage());
        Tensor other = tiled.allocate(4);
        e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> vec.sum(other));
        assertTrue(e.getMessage().contains("another " + vec.name() + " backend instance"), e.getMessage());
    }

    @Test
    void closingAStorageReleasesItOnce() {
        Tensor t = vec.allocate(10);
        ClStorage s = (ClStorage) t.storage();
        s.close();
        s.close();
        try {
            vec.fill(t, 1f);
            throw new AssertionError("a released buffer was used");
        } catch (IllegalStateException expected) {
            assertTrue(expected.getMessage().contains("released"));
        }
    }
}
