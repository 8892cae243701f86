package flowscale.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowscale.runtime.application.PromptsFile;
import flowscale.runtime.cli.CliFixture;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the batch tests share: running {@code batch} and {@code generate --prompts}, reading the results table, and
 * comparing a prompt's directory with the one {@code generate} wrote.
 */
final class BatchFixture {
    private BatchFixture() {}

    /** One batch run's exit code and what it printed. */
    record Run(int code, String out, String err) {}

    static Run batch(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = BatchMain.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(code, out.toString(), err.toString());
    }

    /** Runs {@code flowscale generate ARGS} in this JVM; fails the test unless it succeeds. */
    static void generate(String... args) {
        CliFixture.Run r = CliFixture.run(args);
        assertEquals(0, r.code(), r.err());
    }

    /** A local Spark session bound to the loopback address, for reading what a batch wrote. */
    static SparkSession localSession() {
        return SparkSession.builder().master("local[1]").appName("flowscale test")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false").getOrCreate();
    }

    /** The results table (Parquet) as maps from column to value, ordered by index; the CSV copy has the same rows. */
    static List<Map<String, Object>> results(Path out) {
        SparkSession spark = localSession();
        try {
            List<Map<String, Object>> rows = new ArrayList<>();
            List<Row> parquet = spark.read().parquet(out.resolve(BatchJob.RESULTS_PARQUET).toString()).orderBy("index").collectAsList();
            long csv = spark.read().option("header", "true").csv(out.resolve(BatchJob.RESULTS_CSV).toString()).count();
            assertEquals(parquet.size(), csv, "the CSV copy has every row");
            for (Row r : parquet) {
                Map<String, Object> m = new LinkedHashMap<>();
                for (String c : r.schema().fieldNames()) m.put(c, r.get(r.fieldIndex(c)));
                rows.add(m);
            }
            return rows;
        } finally {
            spark.stop();
        }
    }

    /** The prompt directories under {@code out} ({@code NNN-...}), by name. */
    static Map<String, Path> promptDirectories(Path out) throws IOException {
        Map<String, Path> dirs = new TreeMap<>();
        try (Stream<Path> children = Files.list(out)) {
            children.filter(Files::isDirectory).filter(p -> p.getFileName().toString().matches("\\d{3}.*"))
                    .forEach(p -> dirs.put(p.getFileName().toString(), p));
        }
        return dirs;
    }

    /** A prompts file of {@code prompts}, one a line. */
    static Path promptsFile(Path file, List<String> prompts) throws IOException {
        Files.writeString(file, String.join("\n", prompts) + "\n");
        return file;
    }

    /** {@code generate --prompts}'s directory for the {@code k}-th (1-based) prompt of its file. */
    static Path generated(Path out, int k, String prompt) {
        return out.resolve(PromptsFile.directoryName(k, prompt));
    }

    /**
     * Asserts that {@code batch} holds the same files as {@code generate}'s {@code expected}, byte for byte, except
     * what a run cannot repeat: the times (trace.json's {@code timings}, report.html's Time section) and, when
     * {@code sameRun} is false, the trace's record of how it was started ({@code run}: the prompts list, the index in
     * it, the arguments), of which the prompt, the model and the device settings must still agree. With
     * {@code sameRun} only the arguments may differ.
     */
    static void assertSameOutputs(Path expected, Path batch, boolean sameRun) throws IOException {
        assertEquals(names(expected), names(batch), batch + " holds other files than " + expected);
        for (String name : names(expected)) {
            byte[] want = Files.readAllBytes(expected.resolve(name)), got = Files.readAllBytes(batch.resolve(name));
            switch (name) {
                case "trace.json" -> assertEquals(comparableTrace(want, sameRun), comparableTrace(got, sameRun), batch + "/" + name);
                case "report.html" -> assertEquals(withoutTimes(want), withoutTimes(got), batch + "/" + name);
                default -> assertArrayEquals(want, got, batch + "/" + name + " differs from " + expected);
            }
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static JsonNode comparableTrace(byte[] json, boolean sameRun) throws IOException {
        ObjectNode t = (ObjectNode) new ObjectMapper().readTree(json);
        t.remove("timings");
        ObjectNode run = (ObjectNode) t.get("run");
        run.remove("arguments");
        if (!sameRun) {
            for (String f : new String[] {"promptsFile", "promptIndex", "promptLine", "promptDirectory"}) run.remove(f);
        }
        return t;
    }

    private static String withoutTimes(byte[] html) {
        return new String(html, StandardCharsets.UTF_8).replaceAll("(?s)<section>\n<h2>Time</h2>.*?</section>\n", "");
    }
}
