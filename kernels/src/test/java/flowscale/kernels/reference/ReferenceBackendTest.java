package flowscale.kernels.reference;

import flowscale.kernels.PackedWeight;
import flowscale.kernels.Philox;
import flowscale.kernels.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The oracle against small cases worked out by hand. */
class ReferenceBackendTest {
    private static final float EPS = 1e-6f;
    private final ReferenceBackend be = new ReferenceBackend();

    @AfterEach
    void close() {
        be.close();
    }

    private float[] get(Tensor t) {
        float[] out = new float[Math.toIntExact(t.size())];
        be.download(t, out, 0);
        return out;
    }

    // ---------------------------------------------------------------- linear algebra

    private static final float[] A = {1, 2, 3, 4, 5, 6};       // [2, 3]
    private static final float[] B = {7, 8, 9, 10, 11, 12};    // [3, 2]

    @Test
    void gemm2x3() {
        Tensor c = be.allocate(2, 2);
        be.gemm(false, false, 1f, be.upload(A, 2, 3), be.upload(B, 3, 2), 0f, c);
        assertArrayEquals(new float[] {58, 64, 139, 154}, get(c));
    }

    @Test
    void gemmTransposesAlphaBeta() {
        // a^T stored as [3, 2], b^T stored as [2, 3]; same product, then c = 2 * ab + 0.5 * c0.
        Tensor at = be.upload(new float[] {1, 4, 2, 5, 3, 6}, 3, 2);
        Tensor bt = be.upload(new float[] {7, 9, 11, 8, 10, 12}, 2, 3);
        Tensor c = be.upload(new float[] {2, 4, 6, 8}, 2, 2);
        be.gemm(true, true, 2f, at, bt, 0.5f, c);
        assertArrayEquals(new float[] {117, 130, 281, 312}, get(c));
    }

    @Test
    void gemmBetaZeroIgnoresNaN() {
        Tensor c = be.upload(new float[] {Float.NaN, Float.NaN, Float.NaN, Float.NaN}, 2, 2);
        be.gemm(false, false, 1f, be.upload(A, 2, 3), be.upload(B, 3, 2), 0f, c);
        assertArrayEquals(new float[] {58, 64, 139, 154}, get(c));
    }

    @Test
    void gemmShapeMismatchNamesTheShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> be.gemm(false, false, 1f, be.upload(A, 2, 3), be.upload(A, 2, 3), 0f, be.allocate(2, 3)));
        assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("3 vs 2"), e.getMessage());
    }

    @Test
    void linearWithBias() {
        PackedWeight w = be.pack(be.upload(new float[] {1, 0, -1, 0.5f, 0.5f, 0.5f}, 2, 3));
        assertEquals(2, w.outFeatures());
        assertEquals(3, w.inFeatures());
        Tensor out = be.allocate(1, 2);
        be.linear(be.upload(new float[] {1, 2, 3}, 1, 3), w, be.upload(new float[] {10, 20}, 2), out);
        assertArrayEquals(new float[] {8, 23}, get(out));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> be.linear(be.upload(new float[] {1, 2}, 1, 2), w, null, out));
        assertTrue(e.getMessage().contains("[1, 2]") && e.getMessage().contains("[2, 3]"), e.getMessage());
    }

    @Test
    void linearRejectsAliasedOutput() {
        Tensor x = be.upload(new float[] {1, 2, 3, 4}, 2, 2);
        PackedWeight w = be.pack(be.upload(new float[] {1, 0, 0, 1}, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> be.linear(x, w, null, x));
    }

    @Test
    void tensorOfAnotherBackendIsRejected() {
        try (ReferenceBackend other = new ReferenceBackend()) {
            Tensor foreign = other.upload(new float[] {1}, 1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.sum(foreign));
            assertTrue(e.getMessage().contains("does not belong"), e.getMessage());
        }
    }

    // ---------------------------------------------------------------- normalisation and activations

    @Test
    void layerNormKnownValues() {
        // mean 2.5, biased variance 1.25: (x - 2.5) / sqrt(1.25) = +-1.341641, +-0.447214.
        Tensor x = be.upload(new float[] {1, 2, 3, 4}, 1, 4);
        Tensor out = be.allocate(1, 4);
        be.layerNorm(x, null, null, 0f, out);
        assertArrayEquals(new float[] {-1.3416408f, -0.4472136f, 0.4472136f, 1.3416408f}, get(out), EPS);
        be.layerNorm(x, be.upload(new float[] {1, 2, 1, 1}, 4), be.upload(new float[] {0, 0, 1, 0}, 4), 0f, out);
        assertArrayEquals(new float[] {-1.3416408f, -0.8944272f, 1.4472136f, 1.3416408f}, get(out), EPS);
    }

    @Test
    void rmsNormKnownValues() {
        // mean square of (3, 4) is 12.5: (3, 4) / sqrt(12.5) = (0.848528, 1.131371).
        Tensor out = be.allocate(1, 2);
        be.rmsNorm(be.upload(new float[] {3, 4}, 1, 2), null, 0f, out);
        assertArrayEquals(new float[] {0.8485281f, 1.1313708f}, get(out), EPS);
        be.rmsNorm(be.upload(new float[] {3, 4}, 1, 2), be.upload(new float[] {2, -1}, 2), 0f, out);
        assertArrayEquals(new float[] {1.6970563f, -1.1313708f}, get(out), EPS);
    }

    @Test
    void activationsKnownValues() {
        Tensor x = be.upload(new float[] {0, 1, -1, 10}, 4);
        Tensor out = be.allocate(4);
        be.gelu(x, out);
        // tanh-form GELU: 0.5 (1 + tanh(0.7978846 * 1.044715)) = 0.8411920 at 1.
        assertArrayEquals(new float[] {0f, 0.8411920f, -0.1588080f, 10f}, get(out), EPS);
        be.silu(x, out);
        // 1 / (1 + e^-1) = 0.7310586.
        assertArrayEquals(new float[] {0f, 0.7310586f, -0.2689414f, 9.999546f}, get(out), EPS);
    }

    // ---------------------------------------------------------------- adaLN

    @Test
    void modulateGatedAddBroadcast() {
        // Two items of two tokens; item 0 has shift 1, scale 1 (doubling), item 1 shift 0, scale -1 (zeroing).
        Tensor x = be.upload(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2);
        Tensor ada = be.upload(new float[] {1, 1, 1, 1, 0, 0, -1, -1}, 2, 4);
        Tensor out = be.allocate(4, 2);
        be.modulate(x, ada.colRange(0, 2), ada.colRange(2, 2), 2, out);
        assertArrayEquals(new float[] {3, 5, 7, 9, 0, 0, 0, 0}, get(out));

        Tensor residual = be.upload(new float[] {1, 1, 1, 1, 1, 1, 1, 1}, 4, 2);
        Tensor gate = be.upload(new float[] {0.5f, 2, -1, 0}, 2, 2);
        be.gatedAdd(residual, x, gate, 2);
        assertArrayEquals(new float[] {1.5f, 5, 2.5f, 9, -4, 1, -6, 1}, get(residual));

        Tensor pos = be.upload(new float[] {10, 20, 30, 40}, 2, 2);
        be.addBroadcastRows(x, pos, out);
        assertArrayEquals(new float[] {11, 22, 33, 44, 15, 26, 37, 48}, get(out));
    }

    // ---------------------------------------------------------------- attention

    @Test
    void oneTokenAttentionIsV() {
        Tensor q = be.upload(new float[] {0.3f, -2, 5, 1}, 1, 4);
        Tensor k = be.upload(new float[] {7, 1, -1, 2}, 1, 4);
        Tensor v = be.upload(new float[] {1.5f, -2.5f, 3.5f, 4.5f}, 1, 4);
        Tensor out = be.allocate(1, 4);
        be.attention(q, k, v, 1, 1, 2, 0.5f, out);
        assertArrayEquals(get(v), get(out));
    }

    @Test
    void softmaxIsStableForHugeScores() {
        // One head, hd = 1, two keys: scores 1e6 and 999000 differ by 1000, so all weight goes to key 0;
        // equal huge scores share it evenly. A softmax without the max shift would give NaN (inf / inf).
        Tensor q = be.upload(new float[] {1000, 1000}, 2, 1);
        Tensor k = be.upload(new float[] {1000, 999}, 2, 1);
        Tensor v = be.upload(new float[] {3, 5}, 2, 1);
        Tensor out = be.allocate(2, 1);
        be.attention(q, k, v, 1, 2, 1, 1f, out);
        assertArrayEquals(new float[] {3, 3}, get(out));
        be.attention(q, be.upload(new float[] {1000, 1000}, 2, 1), v, 1, 2, 1, 1f, out);
        assertArrayEquals(new float[] {4, 4}, get(out));
    }

    @Test
    void attentionTwoKeysByHand() {
        // Scores 0 and ln 3 (scale 1): weights 1/4 and 3/4.
        float ln3 = (float) Math.log(3);
        Tensor q = be.upload(new float[] {1, 1}, 2, 1);
        Tensor k = be.upload(new float[] {0, ln3}, 2, 1);
        Tensor v = be.upload(new float[] {4, 8}, 2, 1);
        Tensor out = be.allocate(2, 1);
        be.attention(q, k, v, 1, 2, 1, 1f, out);
        assertArrayEquals(new float[] {7, 7}, get(out), EPS);
    }

    // ---------------------------------------------------------------- embeddings and layout

    @Test
    void timestepEmbeddingKnownValues() {
        // dim 4: half 2, frequencies 1 and 10000^(-1/2) = 0.01.
        Tensor out = be.allocate(2, 4);
        be.timestepEmbedding(new float[] {0, 1}, 10000f, out);
        assertArrayEquals(new float[] {1, 1, 0, 0,
            (float) Math.cos(1), (float) Math.cos(0.01), (float) Math.sin(1), (float) Math.sin(0.01)}, get(out), EPS);
        Tensor odd = be.upload(new float[] {9, 9, 9}, 1, 3);
        be.timestepEmbedding(new float[] {2}, 10000f, odd);
        assertArrayEquals(new float[] {(float) Math.cos(2), (float) Math.sin(2), 0}, get(odd), EPS);
    }

    @Test
    void patchifyOrderAndRoundTrip() {
        // One 2-channel 2x4 image, patch 2: two tokens, features (c, py, px).
        float[] img = {1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 14, 15, 16, 17, 18};
        Tensor tokens = be.allocate(2, 8);
        be.patchify(be.upload(img, 1, 2, 2, 4), 2, 2, 4, 2, tokens);
        assertArrayEquals(new float[] {1, 2, 5, 6, 11, 12, 15, 16, 3, 4, 7, 8, 13, 14, 17, 18}, get(tokens));

        float[] big = new float[2 * 3 * 8 * 6];
        for (int i = 0; i < big.length; i++) big[i] = i * 0.5f - 7;
        Tensor t = be.allocate(2 * 4 * 3, 3 * 4);
        Tensor back = be.allocate(2, 3, 8, 6);
        be.patchify(be.upload(big, 2, 3, 8, 6), 3, 8, 6, 2, t);
        be.unpatchify(t, 3, 8, 6, 2, back);
        assertArrayEquals(big, get(back));
    }

    // ---------------------------------------------------------------- element-wise and reductions

    @Test
    void tweedieRecoversTheCleanSampleOfTheLinearInterpolant() {
        // x_t = (1 - t) x0 + t eps, u = eps - x0; alpha = 1 - t, sigma = t, alphaDot = -1, sigmaDot = 1,
        // d = alphaDot sigma - sigmaDot alpha = -1; then x0 = (sigma u - sigmaDot x) / d exactly.
        float[] x0 = {0.25f, -1.5f, 3f};
        float[] eps = {1f, 0.5f, -2f};
        double t = 0.3;
        float[] xt = new float[3], u = new float[3];
        for (int i = 0; i < 3; i++) {
            xt[i] = (float) ((1 - t) * x0[i] + t * eps[i]);
            u[i] = eps[i] - x0[i];
        }
        Tensor out = be.allocate(3);
        be.tweedie(be.upload(xt, 3), be.upload(u, 3), t, 1.0, -1.0, out);
        assertArrayEquals(x0, get(out), 1e-6f);
        assertThrows(IllegalArgumentException.class, () -> be.tweedie(out, out, t, 1.0, 0.0, out));
    }

    @Test
    void sdeUpdateAndAxpby() {
        Tensor x = be.upload(new float[] {1, 2}, 2);
        Tensor f = be.upload(new float[] {10, -10}, 2);
        Tensor z = be.upload(new float[] {1, -1}, 2);
        Tensor out = be.allocate(2);
        be.sdeUpdate(x, f, 0.1f, 0.5f, z, out);
        assertArrayEquals(new float[] {0.5f, 2.5f}, get(out), EPS);
        be.sdeUpdate(x, f, 0.1f, 0f, null, out);
        assertArrayEquals(new float[] {0f, 3f}, get(out), EPS);
        assertThrows(IllegalArgumentException.class, () -> be.sdeUpdate(x, f, 0.1f, 0.5f, null, out));
        be.axpby(2f, x, -0.5f, f, out);
        assertArrayEquals(new float[] {-3f, 9f}, get(out), EPS);
    }

    @Test
    void reductions() {
        Tensor x = be.upload(new float[] {3, -4}, 2);
        assertEquals(-1.0, be.sum(x));
        assertEquals(3.0, be.max(x));
        assertEquals(5.0, be.norm2(x));
        assertTrue(Double.isNaN(be.max(be.upload(new float[] {1, Float.NaN, 2}, 3))));
    }

    @Test
    void normalIsPhiloxElementByElement() {
        Tensor out = be.allocate(3, 7);
        be.normal(0xabcdefL, 1, 2, 3, out);
        float[] got = get(out);
        for (int i = 0; i < got.length; i++) {
            assertEquals(Float.floatToRawIntBits(Philox.normal(0xabcdefL, 1, 2, 3, i)), Float.floatToRawIntBits(got[i]));
        }
    }
}
