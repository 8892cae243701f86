package flowscale.bench.experiments;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The append-only results file ({@code results.csv}): a header line, then one {@link ResultRow} per line,
 * each written and forced to disk as soon as its search ends, so an interrupted run loses at most the search
 * that was running. Opening an existing file reads the rows back (a rerun skips them) and cuts off a last line
 * that an interruption left without its newline. A later row with the same key replaces an earlier one.
 */
public final class ResultsLog implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final Map<String, ResultRow> rows = new LinkedHashMap<>();

    private ResultsLog(Path file, FileChannel channel) {
        this.file = file;
        this.channel = channel;
    }

    /** Opens (creating with a header if absent) the results file; throws IllegalArgumentException for a foreign file. */
    public static ResultsLog open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            ResultsLog log = new ResultsLog(file, ch);
            log.load();
            return log;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** The rows of a results file without opening it for writing (empty if it does not exist); append throws. */
    public static ResultsLog readOnly(Path file) throws IOException {
        ResultsLog log = new ResultsLog(file, null);
        if (Files.exists(file)) {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            log.parse(text.substring(0, text.lastIndexOf('\n') + 1));
        }
        return log;
    }

    private void load() throws IOException {
        long size = channel.size();
        if (size == 0) {
            write(ResultRow.header() + "\n");
            return;
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int lastNewline = text.lastIndexOf('\n');
        if (lastNewline < text.length() - 1) {
            // an interrupted append: drop the partial line so the next row starts on its own line
            int keep = lastNewline + 1;
            channel.truncate(text.substring(0, keep).getBytes(StandardCharsets.UTF_8).length);
            text = text.substring(0, keep);
        }
        if (text.isEmpty()) {
            write(ResultRow.header() + "\n");
            return;
        }
        parse(text);
    }

    /** Reads complete lines: the header, then rows. */
    private void parse(String text) {
        if (text.isEmpty()) return;
        String[] lines = text.split("\n");
        if (!lines[0].equals(ResultRow.header())) {
            throw new IllegalArgumentException(file + " is not a results file of this version (its header differs); move it away or use another --out");
        }
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isEmpty()) continue;
            ResultRow r;
            try {
                r = ResultRow.parse(lines[i]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + " is not a result row (" + e.getMessage() + ")", e);
            }
            rows.put(r.key(), r);
        }
    }

    public Path file() {
        return file;
    }

    public boolean has(String key) {
        return rows.containsKey(key);
    }

    public ResultRow get(String key) {
        return rows.get(key);
    }

    /** Every row, latest per key, in file order. */
    public List<ResultRow> rows() {
        return Collections.unmodifiableList(new ArrayList<>(rows.values()));
    }

    /** Appends one row and forces it to disk. */
    public void append(ResultRow row) {
        if (channel == null) throw new IllegalStateException(file + " was opened read-only");
        try {
            write(row.toCsv() + "\n");
            channel.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
        }
        rows.remove(row.key());
        rows.put(row.key(), row);
    }

    private void write(String s) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        long pos = channel.size();
        while (buf.hasRemaining()) pos += channel.write(buf, pos);
    }

    @Override
    public void close() throws IOException {
        if (channel != null) channel.close();
    }
}
