package flowscale.runtime.search;

import flowscale.kernels.NoiseScheme;
import flowscale.kernels.NormalQuantile;
import flowscale.kernels.Philox;
import flowscale.runtime.flow.NoiseSource;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The noise scheme decides only how a stream's words become normals; the stream names and the uniforms stay. */
class NoiseStreamsSchemeTest {

    @Test
    void quantileStreamsAreTheKernelsDefinitionOfTheSameStream() {
        NoiseStreams v2 = new NoiseStreams(42, 3, NoiseScheme.QUANTILE_V2);
        float[] got = new float[3072];
        v2.normal(NoiseStreams.Purpose.STEP, 5, 7, 9, got);
        float[] expected = new float[3072];
        NormalQuantile.fill(42, 3, NoiseStreams.word1(NoiseStreams.Purpose.STEP, 5), NoiseStreams.word2(7, 9), 0, expected, 0, 3072);
        assertArrayEquals(expected, got);
        assertEquals(NoiseScheme.QUANTILE_V2, v2.scheme());
        assertEquals(new NoiseStreams(42, 3).uniform(NoiseStreams.Purpose.RESAMPLE, 0, 2, 0, 11),
                v2.uniform(NoiseStreams.Purpose.RESAMPLE, 0, 2, 0, 11));
    }

    @Test
    void theDefaultIsQuantileV2AndBoxMullerV1StaysSelectable() {
        float[] got = new float[33];
        new NoiseStreams(42, 3).normal(NoiseStreams.Purpose.INITIAL, 1, 0, 0, got);
        float[] expected = new float[33];
        NormalQuantile.fill(42, 3, NoiseStreams.word1(NoiseStreams.Purpose.INITIAL, 1), NoiseStreams.word2(0, 0), 0, expected, 0, 33);
        assertArrayEquals(expected, got);
        assertEquals(NoiseScheme.QUANTILE_V2, NoiseScheme.DEFAULT);
        assertEquals(NoiseScheme.DEFAULT, NoiseScheme.named(NoiseScheme.DEFAULT_ID));
        new NoiseStreams(42, 3, NoiseScheme.BOX_MULLER_V1).normal(NoiseStreams.Purpose.INITIAL, 1, 0, 0, got);
        Philox.fillNormal(42, 3, NoiseStreams.word1(NoiseStreams.Purpose.INITIAL, 1), NoiseStreams.word2(0, 0), 0, expected, 0, 33);
        assertArrayEquals(expected, got);
    }

    @Test
    void plainSamplingNoiseTakesTheScheme() {
        float[] got = new float[10];
        NoiseSource.philox(8, NoiseScheme.QUANTILE_V2).fill(2, 4, got);
        float[] expected = new float[10];
        NormalQuantile.fill(8, 2, 5, NoiseSource.PHILOX_TAG, 0, expected, 0, 10);
        assertArrayEquals(expected, got);
        float[] v1 = new float[10];
        NoiseSource.philox(8, NoiseScheme.BOX_MULLER_V1).fill(2, 4, v1);
        float[] expectedV1 = new float[10];
        Philox.fillNormal(8, 2, 5, NoiseSource.PHILOX_TAG, 0, expectedV1, 0, 10);
        assertArrayEquals(expectedV1, v1);
    }
}
