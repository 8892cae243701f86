package flowscale.runtime.cli;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import flowscale.loader.ReaderOptions;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SampleFile;
import flowscale.loader.ShardedCheckpoint;
import flowscale.loader.TensorInfo;
import flowscale.loader.TensorStore;
import flowscale.runtime.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code flowscale inspect FILE}: validates a safetensors file (or a sharded checkpoint's index) completely and
 * lists its metadata and tensors. A malformed file is a user error: one line naming the file and the problem.
 */
@Command(name = "inspect",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Validate a safetensors file or a sharded checkpoint (*.safetensors.index.json)",
            "and list its metadata, each tensor's name, dtype, shape and size, and the",
            "total parameter count. A malformed file exits with 2 and one line on stderr."})
public final class InspectCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE",
            description = "A .safetensors file or a *.safetensors.index.json shard index.")
    Path file;

    @Option(names = "--json", description = "Print a JSON report instead of text.")
    boolean json;

    @Option(names = "--max-header-bytes", paramLabel = "N", defaultValue = "100000000",
            description = "Largest header (JSON) accepted, in bytes.")
    long maxHeaderBytes;

    @Option(names = "--write-sample", paramLabel = "PATH",
            description = "Write a small valid demonstration checkpoint to PATH, then inspect it (instead of FILE).")
    Path writeSample;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        ReaderOptions options = options();
        Path target = file;
        if (writeSample != null) {
            if (file != null) {
                throw new UserError("give either FILE or --write-sample PATH, not both");
            }
            SampleFile.write(writeSample);
            target = writeSample;
        }
        if (target == null) {
            throw new UserError("missing FILE to inspect (or --write-sample PATH)");
        }
        if (writeSample == null) InputLimits.regularFile("", target, -1);
        PrintWriter out = spec.commandLine().getOut();
        try (TensorStore store = TensorStore.open(target, options)) {
            if (json) {
                printJson(store, out);
            } else {
                printText(store, out);
            }
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private ReaderOptions options() {
        if (maxHeaderBytes < 2 || maxHeaderBytes > ReaderOptions.LARGEST_MAX_HEADER_BYTES) {
            throw new UserError("--max-header-bytes must be between 2 and " + ReaderOptions.LARGEST_MAX_HEADER_BYTES
                    + ", got " + maxHeaderBytes);
        }
        return new ReaderOptions(maxHeaderBytes);
    }

    private static void printText(TensorStore store, PrintWriter out) {
        boolean sharded = store instanceof ShardedCheckpoint;
        out.printf("%s: %s, %d tensors%s%n", store.source(),
                sharded ? "sharded safetensors checkpoint (" + ((ShardedCheckpoint) store).shards().size() + " shards)"
                        : "safetensors",
                store.tensors().size(),
                store instanceof SafetensorsFile f ? ", header " + f.headerLength() + " bytes" : "");
        if (!store.metadata().isEmpty()) {
            out.println("metadata:");
            int width = store.metadata().keySet().stream().mapToInt(String::length).max().orElse(0);
            for (Map.Entry<String, String> e : store.metadata().entrySet()) {
                out.printf("  %-" + width + "s  %s%n", e.getKey(), e.getValue());
            }
        }
        if (!store.tensors().isEmpty()) {
            int nameWidth = Math.max(4, store.tensors().stream().mapToInt(t -> t.name().length()).max().orElse(0));
            int shapeWidth = Math.max(5, store.tensors().stream().mapToInt(t -> t.shapeString().length()).max().orElse(0));
            String row = "  %-" + nameWidth + "s  %-7s  %-" + shapeWidth + "s  %14s" + (sharded ? "  %s" : "") + "%n";
            out.printf(row, "NAME", "DTYPE", "SHAPE", "BYTES", "SHARD");
            for (TensorInfo t : store.tensors()) {
                out.printf(row, t.name(), t.dtype().safetensorsName(), t.shapeString(), String.format("%,d", t.byteSize()),
                        sharded ? ((ShardedCheckpoint) store).shardOf(t.name()) : "");
            }
        }
        out.printf("total: %,d parameters, %,d bytes%n", store.parameterCount(), store.dataBytes());
    }

    private static void printJson(TensorStore store, PrintWriter out) {
        try (JsonGenerator g = new JsonFactory().createGenerator(out)) {
            g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("file", store.source());
            g.writeStringField("format", store instanceof ShardedCheckpoint ? "sharded" : "safetensors");
            if (store instanceof SafetensorsFile f) {
                g.writeNumberField("header_bytes", f.headerLength());
            }
            g.writeObjectFieldStart("metadata");
            for (Map.Entry<String, String> e : store.metadata().entrySet()) {
                g.writeStringField(e.getKey(), e.getValue());
            }
            g.writeEndObject();
            g.writeArrayFieldStart("tensors");
            for (TensorInfo t : store.tensors()) {
                g.writeStartObject();
                g.writeStringField("name", t.name());
                g.writeStringField("dtype", t.dtype().safetensorsName());
                g.writeArrayFieldStart("shape");
                for (long d : t.shape()) {
                    g.writeNumber(d);
                }
                g.writeEndArray();
                g.writeNumberField("bytes", t.byteSize());
                g.writeArrayFieldStart("data_offsets");
                g.writeNumber(t.begin());
                g.writeNumber(t.end());
                g.writeEndArray();
                if (store instanceof ShardedCheckpoint c) {
                    g.writeStringField("shard", c.shardOf(t.name()));
                }
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeNumberField("parameters", store.parameterCount());
            g.writeNumberField("bytes", store.dataBytes());
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.println();
    }
}
