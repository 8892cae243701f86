package flowscale.loader;

import flowscale.loader.SafetensorsException.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardedCheckpointTest {

    /** Two shards: a.weight + a.bias in shard 1, b.weight (BF16) in shard 2. */
    private static Path twoShards(Path dir) {
        new SafetensorsWriter().addF32("a.weight", new long[] {2, 2}, new float[] {1, 2, 3, 4})
                .addF32("a.bias", new long[] {2}, new float[] {5, 6})
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().addBf16("b.weight", new long[] {3}, new float[] {-1, 0.5f, 8})
                .write(dir.resolve("model-00002-of-00002.safetensors"));
        return dir;
    }

    private static Path index(Path dir, String json) throws IOException {
        Path p = dir.resolve("model.safetensors.index.json");
        Files.writeString(p, json);
        return p;
    }

    private static final String GOOD_MAP = "\"weight_map\":{\"a.weight\":\"model-00001-of-00002.safetensors\","
            + "\"a.bias\":\"model-00001-of-00002.safetensors\",\"b.weight\":\"model-00002-of-00002.safetensors\"}";

    @Test
    void readsTensorsAcrossShards(@TempDir Path dir) throws Exception {
        Path idx = index(twoShards(dir), "{\"metadata\":{\"total_size\":28,\"format\":\"pt\"}," + GOOD_MAP + "}");
        try (ShardedCheckpoint c = ShardedCheckpoint.open(idx)) {
            assertEquals(List.of("a.bias", "a.weight", "b.weight"), c.tensors().stream().map(TensorInfo::name).toList());
            assertEquals("28", c.metadata().get("total_size"));
            assertEquals("pt", c.metadata().get("format"));
            assertArrayEquals(new float[] {1, 2, 3, 4}, c.toFloatArray("a.weight"));
            assertArrayEquals(new float[] {-1, 0.5f, 8}, c.toFloatArray("b.weight"));
            assertEquals(4 * 4, c.f32("a.weight").byteSize());
            assertEquals(9, c.parameterCount());
            assertEquals(4 * 4 + 2 * 4 + 3 * 2, c.dataBytes());
            assertEquals("model-00002-of-00002.safetensors", c.shardOf("b.weight"));
            assertEquals(2, c.shards().size());
            assertEquals(Kind.TENSOR_NOT_FOUND, assertThrows(SafetensorsException.class, () -> c.bytes("c")).kind());
        }
        try (TensorStore s = TensorStore.open(idx)) {
            assertTrue(s instanceof ShardedCheckpoint);
        }
    }

    @Test
    void shardInASubdirectoryIsInside(@TempDir Path dir) throws Exception {
        Files.createDirectory(dir.resolve("shards"));
        new SafetensorsWriter().addF32("w", new long[] {1}, new float[] {3}).write(dir.resolve("shards/s.safetensors"));
        try (ShardedCheckpoint c = ShardedCheckpoint.open(index(dir, "{\"weight_map\":{\"w\":\"shards/s.safetensors\"}}"))) {
            assertArrayEquals(new float[] {3}, c.toFloatArray("w"));
        }
    }

    @Test
    void tensorMissingFromItsShard(@TempDir Path dir) throws Exception {
        Path idx = index(twoShards(dir), "{\"weight_map\":{\"a.weight\":\"model-00001-of-00002.safetensors\","
                + "\"a.bias\":\"model-00001-of-00002.safetensors\",\"b.weight\":\"model-00001-of-00002.safetensors\"}}");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> ShardedCheckpoint.open(idx));
        assertEquals(Kind.SHARD_TENSOR_MISSING, e.kind());
        assertTrue(e.getMessage().contains("b.weight"), e.getMessage());
    }

    @Test
    void tensorNotListedInTheWeightMap(@TempDir Path dir) throws Exception {
        Path idx = index(twoShards(dir), "{\"weight_map\":{\"a.weight\":\"model-00001-of-00002.safetensors\","
                + "\"b.weight\":\"model-00002-of-00002.safetensors\"}}");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> ShardedCheckpoint.open(idx));
        assertEquals(Kind.SHARD_TENSOR_UNLISTED, e.kind());
        assertTrue(e.getMessage().contains("a.bias"), e.getMessage());
    }

    @Test
    void pathsMayNotEscapeTheIndexDirectory(@TempDir Path root) throws Exception {
        Path dir = Files.createDirectory(root.resolve("ckpt"));
        new SafetensorsWriter().addF32("w", new long[] {1}, new float[] {1}).write(root.resolve("outside.safetensors"));
        for (String escape : new String[] {"../outside.safetensors", "sub/../../outside.safetensors",
                root.resolve("outside.safetensors").toString()}) {
            Path idx = index(dir, "{\"weight_map\":{\"w\":\"" + escape + "\"}}");
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> ShardedCheckpoint.open(idx), escape);
            assertEquals(Kind.SHARD_PATH_ESCAPE, e.kind(), escape);
        }
        Path link = dir.resolve("link.safetensors");
        Files.createSymbolicLink(link, root.resolve("outside.safetensors"));
        Path idx = index(dir, "{\"weight_map\":{\"w\":\"link.safetensors\"}}");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> ShardedCheckpoint.open(idx));
        assertEquals(Kind.SHARD_PATH_ESCAPE, e.kind());
        assertTrue(e.getMessage().contains("outside"), e.getMessage());
    }

    @Test
    void malformedIndexes(@TempDir Path dir) throws Exception {
        twoShards(dir);
        String[][] cases = {
                {"[]", "SHARD_INDEX_INVALID"},
                {"{", "SHARD_INDEX_INVALID"},
                {"{\"metadata\":{}}", "SHARD_INDEX_INVALID"},
                {"{\"weight_map\":[]}", "SHARD_INDEX_INVALID"},
                {"{\"weight_map\":{\"a\":1}}", "SHARD_INDEX_INVALID"},
                {"{\"weight_map\":{\"a\":\"\"}}", "SHARD_INDEX_INVALID"},
                {"{\"metadata\":{\"k\":{}}," + GOOD_MAP + "}", "SHARD_INDEX_INVALID"},
                {"{\"extra\":1," + GOOD_MAP + "}", "SHARD_INDEX_INVALID"},
                {"{" + GOOD_MAP + "," + GOOD_MAP + "}", "DUPLICATE_KEY"},
                {"{\"weight_map\":{\"a\":\"missing.safetensors\"}}", "IO"},
        };
        for (String[] c : cases) {
            Path idx = index(dir, c[0]);
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> ShardedCheckpoint.open(idx), c[0]);
            assertEquals(Kind.valueOf(c[1]), e.kind(), c[0] + ": " + e.getMessage());
            assertTrue(e.getMessage().startsWith(idx + ": "), e.getMessage());
        }
        assertEquals(Kind.IO, assertThrows(SafetensorsException.class,
                () -> ShardedCheckpoint.open(dir.resolve("none.index.json"))).kind());
    }

    @Test
    void aMalformedShardIsReportedByItsOwnPath(@TempDir Path dir) throws Exception {
        twoShards(dir);
        Path shard = dir.resolve("model-00002-of-00002.safetensors");
        byte[] bytes = Files.readAllBytes(shard);
        Files.write(shard, java.util.Arrays.copyOf(bytes, bytes.length - 1));
        Path idx = index(dir, "{" + GOOD_MAP + "}");
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> ShardedCheckpoint.open(idx));
        assertEquals(Kind.DATA_SHORT, e.kind());
        assertTrue(e.getMessage().startsWith(shard.toRealPath() + ": "), e.getMessage());
    }
}
