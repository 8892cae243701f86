package flowscale.runtime.model.vae;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** FLUX's 2x2 packing against the einops formula "b c (h ph) (w pw) -> b (h w) (c ph pw)", and its inverse. */
class LatentPackingTest {
    @ParameterizedTest
    @ValueSource(strings = {"reference", "cpu", "opencl"})
    void packMatchesTheRearrangeFormulaAndUnpackInvertsIt(String backend) {
        int b = 2, c = 3, h = 4, w = 6;
        float[] z = new float[b * c * h * w];
        for (int i = 0; i < z.length; i++) z[i] = i;
        float[] expected = new float[z.length];
        int tokens = LatentPacking.tokens(h, w);
        for (int bi = 0; bi < b; bi++) {
            for (int y = 0; y < h / 2; y++) {
                for (int x = 0; x < w / 2; x++) {
                    for (int ci = 0; ci < c; ci++) {
                        for (int py = 0; py < 2; py++) {
                            for (int px = 0; px < 2; px++) {
                                int token = bi * tokens + y * (w / 2) + x, feature = (ci * 2 + py) * 2 + px;
                                expected[token * 4 * c + feature] = z[((bi * c + ci) * h + 2 * y + py) * w + 2 * x + px];
                            }
                        }
                    }
                }
            }
        }
        try (Backend be = Backends.create(backend)) {
            Tensor latents = be.upload(z, b, c, h, w);
            Tensor packed = be.allocate((long) b * tokens, 4L * c);
            LatentPacking.pack(be, latents, packed);
            assertArrayEquals(expected, VaeFixtures.download(be, packed));
            Tensor back = be.allocate(b, c, h, w);
            LatentPacking.unpack(be, packed, back);
            assertArrayEquals(z, VaeFixtures.download(be, back));
        }
    }

    @Test
    void oddLatentSizesAreRefused() {
        try (Backend be = Backends.create("reference")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> LatentPacking.pack(be, be.allocate(1, 4, 5, 6), be.allocate(6, 16)));
            assertEquals(true, e.getMessage().contains("h and w even"), e.getMessage());
        }
    }
}
