package flowscale.bench.experiments;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResultsLogTest {
    @TempDir
    Path dir;

    static ResultRow row(int prompt, double reward) {
        return new ResultRow("abc", 0, "rbf", "vp-sde", 100, "init=5", prompt, "2 red circles, and 1 blue square", "ok",
                reward, 0.5, reward == 0 ? 1 : 0, Double.NaN, 2, 98, 98, 0, 12.5, 10.0, 1.25, "");
    }

    @Test
    void rowsRoundTripThroughTheFileAndAreFoundAgain() throws Exception {
        Path f = dir.resolve("results.csv");
        try (ResultsLog log = ResultsLog.open(f)) {
            log.append(row(0, -3));
            log.append(row(1, 0));
        }
        try (ResultsLog log = ResultsLog.open(f)) {
            assertEquals(2, log.rows().size());
            ResultRow r = log.get(row(1, 0).key());
            assertEquals(row(1, 0), r);
            assertEquals("2 red circles; and 1 blue square", r.promptText(), "commas in free text are replaced");
            assertTrue(Double.isNaN(r.diversity()));
            assertEquals(1.25, r.searchMs(), 1e-12);
            assertTrue(log.has(row(0, -3).key()));
            assertFalse(log.has(ResultRow.key("abc", 1, "rbf|vp-sde|100|init=5", 0)), "another seed is another row");
        }
    }

    @Test
    void aPartialLastLineFromAnInterruptionIsCutOff() throws Exception {
        Path f = dir.resolve("results.csv");
        try (ResultsLog log = ResultsLog.open(f)) {
            log.append(row(0, -3));
        }
        Files.writeString(f, "abc,0,rbf,vp-sde,100,init=5,1,2 red", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        try (ResultsLog log = ResultsLog.open(f)) {
            assertEquals(1, log.rows().size());
            log.append(row(1, -1));
        }
        try (ResultsLog log = ResultsLog.open(f)) {
            assertEquals(2, log.rows().size());
        }
        assertEquals(3, Files.readAllLines(f).size(), "header + 2 rows");
    }

    @Test
    void aReadOnlyViewNeitherCreatesNorRepairsNorAppends() throws Exception {
        Path f = dir.resolve("results.csv");
        try (ResultsLog log = ResultsLog.readOnly(f)) {
            assertTrue(log.rows().isEmpty());
        }
        assertFalse(Files.exists(f));
        try (ResultsLog log = ResultsLog.open(f)) {
            log.append(row(0, -3));
        }
        Files.writeString(f, "abc,0,rbf", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        String before = Files.readString(f);
        try (ResultsLog log = ResultsLog.readOnly(f)) {
            assertEquals(1, log.rows().size());
            assertThrows(IllegalStateException.class, () -> log.append(row(1, 0)));
        }
        assertEquals(before, Files.readString(f));
    }

    @Test
    void aForeignFileIsRefusedAndLeftAlone() throws Exception {
        Path f = dir.resolve("results.csv");
        Files.writeString(f, "a,b,c\n1,2,3\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResultsLog.open(f));
        assertTrue(e.getMessage().contains("header differs"), e.getMessage());
        assertEquals("a,b,c\n1,2,3\n", Files.readString(f));

        Path g = dir.resolve("bad-row.csv");
        Files.writeString(g, ResultRow.header() + "\nnot,a,row\n");
        e = assertThrows(IllegalArgumentException.class, () -> ResultsLog.open(g));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    }
}
