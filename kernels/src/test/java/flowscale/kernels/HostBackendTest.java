package flowscale.kernels;

import flowscale.kernels.reference.ReferenceBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The host transfers on strided views, checked against index arithmetic done here by hand (the
 * conformance suite compares backends with each other, which cannot catch a bug both share).
 */
class HostBackendTest {
    private final HostBackend be = new ReferenceBackend();

    @AfterEach
    void close() {
        be.close();
    }

    private float[] whole(Tensor t) {
        int n = Math.toIntExact(t.storage().capacity());
        float[] out = new float[n];
        be.download(new Tensor(t.storage(), 0, new long[] {n}, new long[] {1}), out, 0);
        return out;
    }

    /** Copies between Java arrays and host tensors are counted like a device's transfers; copies between tensors are not. */
    @Test
    void uploadsAndDownloadsAreCounted() {
        Tensor t = be.upload(new float[6], 2, 3);
        be.upload(new float[8], 1, t.colRange(0, 2));
        be.copy(t, be.allocate(2, 3));
        be.download(t, new float[6], 0);
        assertEquals(10 * Float.BYTES, be.transfers().uploadedBytes());
        assertEquals(6 * Float.BYTES, be.transfers().downloadedBytes());
        assertEquals(2, be.transfers().uploads());
        assertEquals(1, be.transfers().downloads());
    }

    @Test
    void allocateIsZeroedAndAligned() {
        Tensor t = be.allocate(3, 5);
        assertArrayEquals(new float[15], whole(t));
        HostStorage s = (HostStorage) t.storage();
        assertEquals(0, s.segment().address() % 64);
        assertTrue(t.isContiguous());
    }

    @Test
    void uploadDownloadRank3WithPaddingAndInnerStride() {
        // A [2, 3, 2] view at offset 1 with strides (20, 6, 2) in a storage of 48 floats.
        Tensor base = be.allocate(48);
        Tensor v = base.view(1, new long[] {2, 3, 2}, new long[] {20, 6, 2});
        float[] src = new float[15];
        for (int i = 0; i < src.length; i++) src[i] = i + 1;
        be.upload(src, 3, v);
        float[] expected = new float[48];
        int p = 3;
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 3; b++)
                for (int c = 0; c < 2; c++) expected[1 + a * 20 + b * 6 + c * 2] = src[p++];
        assertArrayEquals(expected, whole(base));
        float[] back = new float[14];
        be.download(v, back, 2);
        for (int i = 0; i < 12; i++) assertEquals(src[3 + i], back[2 + i]);
        assertEquals(0f, back[0]);
    }

    @Test
    void copyBetweenDifferentStridesRank4() {
        float[] data = new float[2 * 2 * 3 * 4];
        for (int i = 0; i < data.length; i++) data[i] = i;
        Tensor src = be.upload(data, 2, 2, 3, 4);
        Tensor base = be.allocate(200);
        // dst: [2, 2, 3, 4] with padded strides and a column stride of 2.
        Tensor dst = base.view(3, new long[] {2, 2, 3, 4}, new long[] {90, 40, 10, 2});
        be.copy(src, dst);
        float[] all = whole(base);
        for (int a = 0; a < 2; a++)
            for (int b = 0; b < 2; b++)
                for (int c = 0; c < 3; c++)
                    for (int d = 0; d < 4; d++)
                        assertEquals(data[((a * 2 + b) * 3 + c) * 4 + d], all[3 + a * 90 + b * 40 + c * 10 + d * 2]);
        float[] roundTrip = new float[data.length];
        be.download(dst, roundTrip, 0);
        assertArrayEquals(data, roundTrip);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> be.copy(src, be.allocate(2, 2, 3, 5)));
        assertTrue(e.getMessage().contains("[2, 2, 3, 4]") && e.getMessage().contains("[2, 2, 3, 5]"), e.getMessage());
    }

    @Test
    void fillColumnChunkOnly() {
        Tensor m = be.allocate(3, 5);
        be.fill(m.colRange(1, 2), 7f);
        assertArrayEquals(new float[] {0, 7, 7, 0, 0, 0, 7, 7, 0, 0, 0, 7, 7, 0, 0}, whole(m));
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> be.upload(new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> be.upload(new float[5], 1, be.allocate(5)));
        assertThrows(IllegalArgumentException.class, () -> be.download(be.allocate(5), new float[4], 0));
        assertThrows(IllegalArgumentException.class, () -> be.allocate(2, -1));
    }

    @Test
    void closeFreesAndForbidsAllocation() {
        HostBackend other = new ReferenceBackend();
        Tensor t = other.allocate(4);
        other.close();
        other.close();
        assertTrue(other.isClosed());
        assertThrows(IllegalStateException.class, () -> other.allocate(1));
        assertThrows(IllegalStateException.class, () -> other.fill(t, 1f));
    }
}
