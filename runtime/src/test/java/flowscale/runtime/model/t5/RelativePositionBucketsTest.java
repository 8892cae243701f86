package flowscale.runtime.model.t5;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * T5's bidirectional buckets with the real settings (32 buckets, distance 128). The golden's 16 tokens only reach
 * distance 15, so the log-spaced range beyond is pinned here: with 8 exact buckets per direction, bucket
 * {@code 8 + floor(8 log(n/8) / log 16) = 8 + floor(2 log2(n/8))}, so the boundaries n = 16, 32, 64 land exactly on
 * 10, 12, 14 and everything from 128 on shares the last bucket.
 */
class RelativePositionBucketsTest {

    @Test
    void keysBeforeAndAtTheQueryUseTheLowerHalfAndKeysAfterItTheUpper() {
        int[][] cases = {
                {0, 0}, {-1, 1}, {-7, 7}, {1, 17}, {7, 23},
                {-8, 8}, {8, 24}, {-15, 9}, {-16, 10}, {16, 26}, {-31, 11}, {-32, 12}, {32, 28},
                {-63, 13}, {-64, 14}, {64, 30}, {-127, 15}, {-128, 15}, {-200, 15}, {500, 31}};
        for (int[] c : cases) {
            assertEquals(c[1], RelativePositionBuckets.bucket(c[0], 32, 128), "relative position " + c[0]);
        }
    }

    @Test
    void theBiasMatrixLooksUpEachHeadsColumnOfTheTable() {
        int heads = 2, seq = 3;
        float[] table = new float[32 * heads];
        for (int i = 0; i < table.length; i++) table[i] = i; // table[bucket * heads + h]
        float[] bias = RelativePositionBuckets.bias(table, heads, seq, 32, 128);
        // head 1, query 2, key 0: relative -2 -> bucket 2 -> table[2 * 2 + 1]
        assertEquals(5f, bias[(1 * seq + 2) * seq]);
        // head 0, query 0, key 2: relative +2 -> bucket 18 -> table[36]
        assertEquals(36f, bias[2]);
    }
}
