package flowscale.spark;

import flowscale.runtime.UserError;
import flowscale.runtime.application.PromptsFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

/**
 * The batch's prompts, read on the driver (a list of prompts is small; reading it in one place numbers the
 * prompts the same way whatever the partitioning): a prompts file as {@code generate --prompts} reads it, or a
 * table Spark reads ({@code .csv} with a header, {@code .json}/{@code .jsonl} lines, {@code .parquet} or a directory
 * of Parquet files) with a {@code prompt} column and optional {@code seed}, {@code method}, {@code sampler} and
 * {@code budget} columns, whose empty cells take the batch's settings. A row whose values are bad keeps its place
 * (its number) and carries its error.
 */
final class BatchInput {
    static final List<String> OPTIONAL_COLUMNS = List.of("seed", "method", "sampler", "budget");

    private BatchInput() {}

    static List<PromptRow> read(SparkSession spark, BatchSettings s, Configuration conf) {
        String format = format(s.input(), conf);
        return format.equals("prompts") ? promptsFile(s, conf) : table(spark, s, format);
    }

    /** {@code prompts}, {@code csv}, {@code json} or {@code parquet}, from the name; a directory is a Parquet table. */
    static String format(String input, Configuration conf) {
        String name = input.toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) return "csv";
        if (name.endsWith(".json") || name.endsWith(".jsonl") || name.endsWith(".ndjson")) return "json";
        if (name.endsWith(".parquet")) return "parquet";
        FileStatus status = status(input, conf);
        return status.isDirectory() ? "parquet" : "prompts";
    }

    private static FileStatus status(String input, Configuration conf) {
        try {
            FileSystem fs = FileSystem.get(URI.create(input), conf);
            return fs.getFileStatus(new Path(input));
        } catch (FileNotFoundException e) {
            throw new UserError("--prompts " + input + ": no such file");
        } catch (IOException | IllegalArgumentException e) {
            throw new UserError("--prompts " + input + ": cannot read it (" + UserError.oneLine(e.getMessage()) + ")", e);
        }
    }

    private static List<PromptRow> promptsFile(BatchSettings s, Configuration conf) {
        String text;
        try {
            FileSystem fs = FileSystem.get(URI.create(s.input()), conf);
            byte[] bytes;
            try (InputStream in = fs.open(new Path(s.input()))) {
                bytes = in.readAllBytes();
            }
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new UserError("--prompts " + s.input() + ": not UTF-8 text");
        } catch (IOException e) {
            throw new UserError("--prompts " + s.input() + ": cannot read it (" + UserError.oneLine(e.getMessage()) + ")", e);
        }
        List<PromptRow> rows = new ArrayList<>();
        for (PromptsFile.Entry e : PromptsFile.entries(text.lines().toList())) {
            String error = e.text().length() > PromptsFile.MAX_PROMPT ? "the prompt is " + e.text().length()
                    + " characters long; a prompt has at most " + PromptsFile.MAX_PROMPT : null;
            rows.add(new PromptRow(rows.size() + 1, e.number(), e.text(), s.seed(), s.method(), s.sampler(), s.budget(), error));
        }
        if (rows.isEmpty()) throw new UserError("--prompts " + s.input() + " has no prompts (only blank or # lines)");
        return rows;
    }

    private static List<PromptRow> table(SparkSession spark, BatchSettings s, String format) {
        List<Row> cells;
        try {
            Dataset<Row> table = spark.read().format(format).option("header", "true").load(s.input());
            List<String> columns = Arrays.asList(table.columns());
            if (!columns.contains("prompt")) {
                throw new UserError("--prompts " + s.input() + " has no 'prompt' column (columns: " + String.join(", ", columns) + ")");
            }
            List<Column> select = new ArrayList<>();
            select.add(col("prompt").cast("string"));
            for (String c : OPTIONAL_COLUMNS) select.add(columns.contains(c) ? col(c).cast("string") : lit(null).cast("string"));
            cells = table.select(select.toArray(Column[]::new)).collectAsList();
        } catch (UserError e) {
            throw e;
        } catch (RuntimeException e) {
            // Spark's AnalysisException (no such path, unreadable file) and parse failures are all about the input.
            throw new UserError("--prompts " + s.input() + ": cannot read it as " + format + " (" + UserError.oneLine(e.getMessage()) + ")", e);
        }
        List<PromptRow> rows = new ArrayList<>();
        for (Row r : cells) {
            int number = rows.size() + 1;
            List<String> errors = new ArrayList<>();
            String prompt = r.isNullAt(0) ? null : r.getString(0).strip();
            if (prompt == null || prompt.isEmpty()) errors.add("empty prompt");
            else if (prompt.length() > PromptsFile.MAX_PROMPT) {
                errors.add("the prompt is " + prompt.length() + " characters long; a prompt has at most " + PromptsFile.MAX_PROMPT);
            }
            long seed = whole(r, 1, "seed", s.seed(), errors);
            String method = r.isNullAt(2) || r.getString(2).isBlank() ? s.method() : r.getString(2).strip().toLowerCase(Locale.ROOT);
            String sampler = r.isNullAt(3) || r.getString(3).isBlank() ? s.sampler() : r.getString(3).strip().toLowerCase(Locale.ROOT);
            long budget = whole(r, 4, "budget", s.budget(), errors);
            rows.add(new PromptRow(number, number, prompt, seed, method, sampler, budget,
                    errors.isEmpty() ? null : String.join("; ", errors)));
        }
        if (rows.isEmpty()) throw new UserError("--prompts " + s.input() + " has no rows");
        return rows;
    }

    /** A whole-number cell (CSV gives text, JSON may give 3.0), or the default when empty; a bad one adds an error. */
    private static long whole(Row r, int i, String column, long fallback, List<String> errors) {
        if (r.isNullAt(i) || r.getString(i).isBlank()) return fallback;
        String v = r.getString(i).strip();
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            try {
                double d = Double.parseDouble(v);
                if (d == Math.rint(d) && Math.abs(d) < 0x1p53) return (long) d;
            } catch (NumberFormatException ignored) {
                // reported below
            }
            errors.add(column + " '" + UserError.oneLine(v) + "' is not a whole number");
            return fallback;
        }
    }
}
