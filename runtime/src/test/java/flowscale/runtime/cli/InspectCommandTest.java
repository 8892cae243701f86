package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.loader.SafetensorsWriter;
import flowscale.runtime.cli.CliFixture.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InspectCommandTest {

    @Test
    void goodFileListsMetadataTensorsAndTotals(@TempDir Path dir) {
        Path p = dir.resolve("m.safetensors");
        new SafetensorsWriter().metadata("hidden", "64")
                .addF32("blocks.0.attn.qkv.weight", new long[] {6, 2}, new float[12])
                .addBf16("final_layer.linear.weight", new long[] {3}, new float[3]).write(p);
        Run r = run("inspect", p.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("hidden"), r.out());
        assertTrue(r.out().contains("blocks.0.attn.qkv.weight") && r.out().contains("[6, 2]") && r.out().contains("48"), r.out());
        assertTrue(r.out().contains("BF16"), r.out());
        assertTrue(r.out().contains("total: 15 parameters, 54 bytes"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void jsonOutputParses(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("sample.safetensors");
        Run r = run("inspect", "--json", "--write-sample", p.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(p));
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals("safetensors", root.get("format").asText());
        assertEquals("true", root.get("metadata").get("flowscale.sample").asText());
        assertEquals(5, root.get("tensors").size());
        long bytes = 0;
        for (JsonNode t : root.get("tensors")) {
            bytes += t.get("bytes").asLong();
            assertEquals(t.get("bytes").asLong(), t.get("data_offsets").get(1).asLong() - t.get("data_offsets").get(0).asLong());
        }
        assertEquals(bytes, root.get("bytes").asLong());
        assertEquals(48 + 12 + 32 + 64 + 1, root.get("parameters").asLong());
    }

    @Test
    void malformedFileExitsTwoWithOneLineNamingTheFile(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("bad.safetensors");
        new SafetensorsWriter().addF32("w", new long[] {4}, new float[4]).write(p);
        byte[] bytes = Files.readAllBytes(p);
        Files.write(p, Arrays.copyOf(bytes, bytes.length - 3));
        Run r = run("inspect", p.toString());
        assertEquals(2, r.code());
        String line = r.errLine();
        assertTrue(line.startsWith("error: " + p + ": "), line);
        assertTrue(line.contains("'w'"), line);
        assertFalse(r.err().contains("\tat "), "no stack trace");
    }

    @Test
    void missingFileExitsTwo(@TempDir Path dir) {
        Path p = dir.resolve("absent.safetensors");
        Run r = run("inspect", p.toString());
        assertEquals(2, r.code());
        assertEquals("error: " + p + ": no such file", r.errLine());
    }

    @Test
    void headerCapFromTheCommandLine(@TempDir Path dir) {
        Path p = dir.resolve("s.safetensors");
        assertEquals(0, run("inspect", "--write-sample", p.toString()).code());
        Run r = run("inspect", "--max-header-bytes", "16", p.toString());
        assertEquals(2, r.code());
        assertTrue(r.errLine().contains("exceeds the limit of 16 bytes"), r.err());
        assertEquals(2, run("inspect", "--max-header-bytes", "-5", p.toString()).code());
    }

    @Test
    void shardedIndexIsAccepted(@TempDir Path dir) throws Exception {
        new SafetensorsWriter().addF32("a", new long[] {2}, new float[2]).write(dir.resolve("s1.safetensors"));
        new SafetensorsWriter().addF16("b", new long[] {3}, new float[3]).write(dir.resolve("s2.safetensors"));
        Path idx = dir.resolve("m.safetensors.index.json");
        Files.writeString(idx, "{\"metadata\":{\"total_size\":14},\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}");
        Run r = run("inspect", idx.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("2 shards") && r.out().contains("s2.safetensors"), r.out());
        assertTrue(r.out().contains("total: 5 parameters, 14 bytes"), r.out());
        Files.writeString(idx, "{\"weight_map\":{\"a\":\"../s1.safetensors\"}}");
        Run bad = run("inspect", idx.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.errLine().contains("'..'"), bad.err());
    }

    @Test
    void usageErrors(@TempDir Path dir) {
        assertEquals(2, run("inspect").code());
        assertEquals(2, run("inspect", "--no-such-option", "x").code());
        Run both = run("inspect", "--write-sample", dir.resolve("a.safetensors").toString(), dir.resolve("b").toString());
        assertEquals(2, both.code());
        assertTrue(both.errLine().startsWith("error: "), both.err());
        assertEquals(0, run("inspect", "--help").code());
    }
}
