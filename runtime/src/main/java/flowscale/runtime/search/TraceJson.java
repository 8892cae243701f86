package flowscale.runtime.search;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import flowscale.loader.AtomicFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a {@link Trace} as JSON. Top level: {@code method, sampler, reward, budget, nfe, rewardCalls, seed,
 * promptIndex, noiseScheme, steps, nonFinite, interrupted, settings, parameters, best {reward}, levels [...], timings {...}}
 * ({@code noiseScheme}: how the seed's streams became normals, e.g. {@code boxmuller-v1}; {@code --noise-scheme} reproduces it)
 * ({@code interrupted}: the search was stopped early and holds the best found until then; {@code settings}: the
 * method's effective settings by {@code --search-opt} key, so {@code key=value} of each reproduces the run). Each level:
 * {@code level, chain, s, candidates, rewards, accepted, reason, nfe, rewardCalls, nonFinite} and for SMC
 * {@code ess, ancestors}. Non-finite rewards are written as null (JSON has no infinities).
 */
public final class TraceJson {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TraceJson() {}

    public static ObjectNode toJson(Trace t) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("method", t.method());
        root.put("sampler", t.sampler());
        root.put("reward", t.reward());
        root.put("budget", t.budget());
        root.put("nfe", t.nfe());
        root.put("rewardCalls", t.rewardCalls());
        root.put("seed", t.seed());
        root.put("promptIndex", t.promptIndex());
        root.put("noiseScheme", t.noiseScheme());
        root.put("steps", t.steps());
        root.put("nonFinite", t.nonFinite());
        root.put("interrupted", t.interrupted());
        map(root.putObject("settings"), t.settings());
        map(root.putObject("parameters"), t.parameters());
        ObjectNode best = root.putObject("best");
        number(best, "reward", t.bestReward());
        ArrayNode levels = root.putArray("levels");
        for (LevelRecord r : t.levels()) {
            ObjectNode l = levels.addObject();
            l.put("level", r.level());
            l.put("chain", r.chain());
            l.put("s", r.s());
            l.put("candidates", r.candidates());
            ArrayNode rs = l.putArray("rewards");
            for (double v : r.rewards()) {
                if (Double.isFinite(v)) rs.add(v);
                else rs.addNull();
            }
            l.put("accepted", r.accepted());
            l.put("reason", r.reason().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            l.put("nfe", r.nfe());
            l.put("rewardCalls", r.rewardCalls());
            l.put("nonFinite", r.nonFinite());
            if (!Double.isNaN(r.ess())) l.put("ess", r.ess());
            if (r.ancestors() != null) {
                ArrayNode a = l.putArray("ancestors");
                for (int v : r.ancestors()) a.add(v);
            }
        }
        Timings tm = t.timings();
        ObjectNode timings = root.putObject("timings");
        timings.put("totalMs", tm.totalNanos() / 1e6);
        timings.put("modelMs", tm.modelNanos() / 1e6);
        timings.put("rewardMs", tm.rewardNanos() / 1e6);
        timings.put("searchMs", tm.searchNanos() / 1e6);
        timings.put("searchShare", tm.searchShare());
        return root;
    }

    /** Writes the trace whole or not at all ({@link AtomicFile}), creating the directory if needed. */
    public static void write(Trace t, Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        AtomicFile.write(file, MAPPER.writeValueAsBytes(toJson(t)));
    }

    private static void map(ObjectNode o, Map<String, Object> values) {
        for (Map.Entry<String, Object> e : values.entrySet()) o.putPOJO(e.getKey(), e.getValue());
    }

    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) o.put(key, v);
        else o.putNull(key);
    }
}
