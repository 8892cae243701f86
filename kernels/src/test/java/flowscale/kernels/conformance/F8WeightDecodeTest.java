package flowscale.kernels.conformance;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.Tensor;
import flowscale.kernels.WeightType;
import flowscale.loader.FloatConversions;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each backend's own F8_E4M3 widening (reference: the loader's table; cpu: the vectorised rescale; opencl: the
 * kernel's integer decode) gives every one of the 256 codes exactly, through a 1-input linear layer with x = 1,
 * weights at an odd byte offset: the conformance suite's tolerance would hide a wrong subnormal or two, this does not.
 */
class F8WeightDecodeTest {

    @Test
    void everyCodeWidensExactlyOnEveryBackend() {
        assertEquals(List.of("reference", "cpu", "opencl"), Backends.available());
        int n = 256;
        MemorySegment codes = MemorySegment.ofArray(new byte[n + 1]).asSlice(1);
        for (int i = 0; i < n; i++) codes.set(ValueLayout.JAVA_BYTE, i, (byte) i);
        for (String name : Backends.available()) {
            try (Backend b = Backends.create(name)) {
                Tensor out = b.allocate(1, n);
                b.linear(b.upload(new float[] {1f}, 1, 1), b.packHalf(codes, WeightType.F8_E4M3, n, 1), null, out);
                float[] got = new float[n];
                b.download(out, got, 0);
                for (int i = 0; i < n; i++) {
                    float want = FloatConversions.f8e4m3ToFloat((byte) i);
                    String what = name + " code 0x" + Integer.toHexString(i);
                    if (Float.isNaN(want)) {
                        assertTrue(Float.isNaN(got[i]), what + " should be NaN, got " + got[i]);
                    } else {
                        // The sign of a zero is the accumulator's (+0 + -0 = +0), not the widening's.
                        assertEquals(want, got[i], 0f, what);
                        if (want != 0f) assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got[i]), what);
                    }
                }
            }
        }
    }
}
