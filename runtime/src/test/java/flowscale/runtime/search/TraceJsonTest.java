package flowscale.runtime.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceJsonTest {

    @Test
    void nonFiniteRewardsBecomeNullAndTheFileIsWrittenWhole(@TempDir Path dir) throws Exception {
        LevelRecord level = new LevelRecord(3, 1, 0.5, new double[] {-1.5, Double.NEGATIVE_INFINITY}, 0,
                LevelRecord.Reason.QUOTA_EXHAUSTED, 120, 60, 1, 1.7, new int[] {0, 0});
        Trace t = new Trace("rbf", "vp-sde", "mode:5", 500, 498, 498, 9, 0, 10, -1.5, 1,
                Map.of("quota", 22), List.of(level), new Timings(3_000_000, 1_000_000, 500_000));
        Path file = dir.resolve("trace.json");
        TraceJson.write(t, file);
        JsonNode j = new ObjectMapper().readTree(file.toFile());
        assertEquals("rbf", j.get("method").asText());
        assertEquals(-1.5, j.get("best").get("reward").asDouble(), 0.0);
        JsonNode l = j.get("levels").get(0);
        assertTrue(l.get("rewards").get(1).isNull());
        assertEquals("quota-exhausted", l.get("reason").asText());
        assertEquals(2, l.get("candidates").asInt());
        assertEquals(1.5, j.get("timings").get("searchMs").asDouble(), 1e-9);
        assertEquals(22, j.get("parameters").get("quota").asInt());
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }
}
