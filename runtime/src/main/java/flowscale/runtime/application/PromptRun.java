package flowscale.runtime.application;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowscale.loader.AtomicFile;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.search.SearchFailed;
import flowscale.runtime.search.SearchMethod;
import flowscale.runtime.search.SearchMethods;
import flowscale.runtime.search.SearchProblem;
import flowscale.runtime.search.SearchResult;
import flowscale.runtime.search.TraceJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One prompt's search and the directory {@code generate} writes for it: the model kind's outputs and
 * {@code trace.json}. {@code generate} and the Spark batch both run a prompt through here, so a prompt gives the
 * same files wherever it runs.
 */
public final class PromptRun {
    private static final ObjectMapper TRACE_JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private PromptRun() {}

    /**
     * What the trace's {@code run} object records besides the search: the prompt and, when it came from a prompts
     * list ({@code promptsFile} not null), where (the list, its 0-based index among the prompts, its line, its
     * directory); the model (with its fingerprint when it is a file, else null), guidance, the prompt-embeddings file
     * (FLUX.1's --prompt-embeds, else null), the backend or the device list, and every argument given.
     */
    public record Provenance(String prompt, String promptsFile, int promptIndex, int promptLine, String promptDirectory,
                             String model, String modelKind, ModelFingerprint fingerprint, double cfg, String promptEmbeds,
                             String backend, String devices, List<String> arguments) {}

    /** A finished search, or a failed one ({@code failure} not null) with the best it found before failing. */
    public record Searched(SearchResult result, SearchFailed failure) {}

    /** Runs the search; a failure after the search rewarded something still returns what it found. */
    public static Searched search(SearchMethod method, SearchProblem problem) {
        try {
            return new Searched(SearchMethods.run(method, problem), null);
        } catch (SearchFailed f) {
            return new Searched(f.partial(), f);
        }
    }

    /**
     * Writes a search's outputs into {@code dir} (created if missing), each file through a temporary file: the
     * model kind's files, then {@code trace.json} with {@code run}. Returns the names written, trace first.
     */
    public static List<String> write(Path dir, LoadedModel loaded, SearchResult result, Reward reward, RunInfo info,
                                     Provenance run) throws IOException {
        Files.createDirectories(dir);
        List<String> files = new ArrayList<>(List.of(ImageOutputs.TRACE));
        files.addAll(loaded.writeOutputs(dir, result, reward, info));
        writeTrace(dir.resolve(ImageOutputs.TRACE), result, loaded, run);
        return files;
    }

    /**
     * The search's trace plus what it takes to run it again. The trace's own {@code promptIndex} names the noise
     * stream, which is 0 for every prompt of a list (each gets the noise it would get alone).
     */
    private static void writeTrace(Path file, SearchResult result, LoadedModel loaded, Provenance run) throws IOException {
        ObjectNode root = TraceJson.toJson(result.trace());
        ObjectNode r = root.putObject("run");
        r.put("prompt", run.prompt());
        if (run.promptsFile() != null) {
            r.put("promptsFile", run.promptsFile());
            r.put("promptIndex", run.promptIndex());
            r.put("promptLine", run.promptLine());
            r.put("promptDirectory", run.promptDirectory());
        }
        r.put("model", run.model());
        r.put("modelKind", run.modelKind());
        if (run.fingerprint() != null) {
            r.put("modelBytes", run.fingerprint().bytes());
            if (run.fingerprint().sha256() != null) r.put("modelSha256", run.fingerprint().sha256());
        }
        r.put("cfg", run.cfg());
        if (run.promptEmbeds() != null) r.put("promptEmbeds", run.promptEmbeds());
        for (var e : loaded.traceFields().entrySet()) r.putPOJO(e.getKey(), e.getValue());
        if (run.devices() != null) r.put("devices", run.devices());
        else r.put("backend", run.backend());
        r.putPOJO("arguments", run.arguments());
        AtomicFile.write(file, TRACE_JSON.writeValueAsBytes(root));
    }
}
