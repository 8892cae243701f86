package flowscale.runtime.cli;

import flowscale.runtime.application.DefaultModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bad value for every option of every command, and bad files of every kind where a command reads one:
 * each exits 2 with one line on stderr, no stack trace, no Java class name, and writes nothing.
 */
class BadOptionValuesTest {
    @TempDir
    static Path dir;
    static Path text, png, truncatedPng, out, aFile;

    @BeforeAll
    static void files() throws Exception {
        text = dir.resolve("text.png");
        Files.writeString(text, "not an image");
        png = dir.resolve("ok.png");
        flowscale.runtime.data.Images.write(png, new float[3 * 32 * 32], 32, 32);
        truncatedPng = dir.resolve("truncated.png");
        byte[] b = Files.readAllBytes(png);
        Files.write(truncatedPng, java.util.Arrays.copyOf(b, b.length / 2));
        aFile = dir.resolve("a-file");
        Files.writeString(aFile, "x");
        out = dir.resolve("never");
    }

    private static List<String[]> cases() throws Exception {
        String o = out.toString();
        Path cfgBad = dir.resolve("bad.json");
        Files.writeString(cfgBad, "{\"batchSize\": 0}");
        Path cfgGarbage = dir.resolve("garbage.json");
        Files.writeString(cfgGarbage, "{{{ not json");
        Path cfgEmpty = dir.resolve("empty.json");
        Files.writeString(cfgEmpty, "");
        Path cfgHuge = dir.resolve("huge.json");
        Files.writeString(cfgHuge, "{\"batchSize\": 100000000}");
        Path cfgUnknown = dir.resolve("unknown.json");
        Files.writeString(cfgUnknown, "{\"learningRat\": 1}");
        List<String[]> c = new ArrayList<>();
        String[] g = {"generate", "--model", "toy:gmm", "--out", o};
        for (String[] bad : new String[][] {
                {"--budget", "abc"}, {"--budget", "-1"}, {"--budget", "0"}, {"--budget", "99999999999"},
                {"--steps", "abc"}, {"--steps", "0"}, {"--steps", "5000"}, {"--seed", "abc"}, {"--seed", "1e3"},
                {"--method", "beam"}, {"--method", ""}, {"--sampler", "euler"}, {"--reward", "counting"}, {"--reward", "mode:x"},
                {"--search-opt", "garbage"}, {"--search-opt", "bogus=1"}, {"--rbf-variant", "nope"}, {"--backend", "quantum"},
                {"--backend", "cpu:0"}, {"--backend", "cpu:x"}, {"--backend", "cpu:4000"}, {"--backend", ""},
                {"--devices", ""}, {"--devices", "x"}, {"--devices", "cpu:0"}, {"--cfg", "x"}, {"--cfg", "Infinity"}, {"--cfg", "1e308"},
                {"--prompt", "1 red circle"}, {"--prompts", dir.resolve("none.txt").toString()}, {"--bogus"}}) {
            List<String> a = new ArrayList<>(List.of(g));
            a.addAll(List.of(bad));
            c.add(a.toArray(String[]::new));
        }
        c.add(new String[] {"generate", "--model", "", "--out", o});
        c.add(new String[] {"generate", "--model", "toy:cat", "--out", o});
        c.add(new String[] {"generate", "--model", "toy:gmm", "--out", ""});
        c.add(new String[] {"generate", "--model", "toy:gmm", "--out", aFile.toString()});
        c.add(new String[] {"generate", "--prompt", "7 purple dragons", "--out", o});
        c.add(new String[] {"generate", "--prompt", "", "--out", o});
        c.add(new String[] {"generate", "--prompt", "1 red circle", "--reward", "mode", "--out", o});
        c.add(new String[] {"inspect"});
        c.add(new String[] {"inspect", dir.resolve("none.safetensors").toString()});
        c.add(new String[] {"inspect", "--max-header-bytes", "abc", aFile.toString()});
        c.add(new String[] {"inspect", "--max-header-bytes", "-1", aFile.toString()});
        c.add(new String[] {"inspect", text.toString()});
        c.add(new String[] {"inspect", dir.toString()});
        String[] w = {"world", "--out", o};
        for (String[] bad : new String[][] {{"--count", "0"}, {"--count", "abc"}, {"--count", "1000000"}, {"--size", "1"},
                {"--size", "100000"}, {"--upscale", "0"}, {"--upscale", "100"}, {"--grid-scale", "0"}, {"--columns", "0"},
                {"--seed", "x"}, {"--count", "64", "--size", "256", "--grid-scale", "32", "--columns", "64"}}) {
            List<String> a = new ArrayList<>(List.of(w));
            a.addAll(List.of(bad));
            c.add(a.toArray(String[]::new));
        }
        c.add(new String[] {"world", "--out", ""});
        c.add(new String[] {"world", "--out", aFile.toString()});
        c.add(new String[] {"world", "--out", aFile.resolve("sub").toString()});
        c.add(new String[] {"score", "--prompt", "7 purple dragons", png.toString()});
        c.add(new String[] {"score", "--prompt", "1 red circle", "--size", "0", png.toString()});
        c.add(new String[] {"score", "--prompt", "1 red circle", "--size", "64", png.toString()});
        c.add(new String[] {"score", "--prompt", "1 red circle", text.toString()});
        c.add(new String[] {"score", "--prompt", "1 red circle", truncatedPng.toString()});
        c.add(new String[] {"score", "--prompt", "1 red circle", dir.resolve("none.png").toString()});
        c.add(new String[] {"score", "--prompt", "1 red circle", dir.toString()});
        c.add(new String[] {"score", "--prompt", "1 red circle", "/dev/zero"});
        // Every train case also names a one-step tiny config, so that a case wrongly accepted trains for a moment only.
        Path tiny = dir.resolve("tiny.json");
        Files.writeString(tiny, "{\"hiddenSize\": 16, \"depth\": 1, \"numHeads\": 2, \"patchSize\": 8, "
                + "\"frequencyEmbeddingSize\": 16, \"batchSize\": 1, \"steps\": 1, \"threads\": 1}");
        String[] t = {"train", "--out", o};
        for (String[] bad : new String[][] {{"--steps", "0"}, {"--steps", "x"}, {"--threads", "-1"}, {"--threads", "100000"},
                {"--backend", "opencl"}, {"--max-minutes", "-1"}, {"--checkpoint-every", "0"},
                {"--config", dir.resolve("none.json").toString()}, {"--config", cfgBad.toString()},
                {"--config", cfgGarbage.toString()}, {"--config", cfgEmpty.toString()}, {"--config", cfgUnknown.toString()}, {"--config", cfgHuge.toString()},
                {"--config", "/dev/zero"}, {"--config", dir.toString()}}) {
            List<String> a = new ArrayList<>(List.of(t));
            a.addAll(List.of(bad));
            if (!bad[0].equals("--config")) a.addAll(List.of("--config", tiny.toString()));
            else a.addAll(List.of("--steps", "1"));
            c.add(a.toArray(String[]::new));
        }
        c.add(new String[] {"train", "--config", tiny.toString(), "--out", ""});
        String model = DefaultModel.resolve();
        String[] e = {"evaluate", "--model", model, "--out", o};
        for (String[] bad : new String[][] {{"--count", "0"}, {"--count", "abc"}, {"--prompts", "5"}, {"--steps", "0"},
                {"--steps", "100000"}, {"--sampler", "warp"}, {"--cfg", "NaN"}, {"--cfg", "1e308"}, {"--backend", "quantum"},
                {"--backend", "cpu:100000"}, {"--seed", "x"}, {"--prompt-seed", "x"}, {"--prompt-set", "medium"},
                {"--estimate-from", "0"}, {"--estimate-from", "1.5"}, {"--estimate-from", "NaN"}}) {
            List<String> a = new ArrayList<>(List.of(e));
            a.addAll(List.of(bad));
            if (!bad[0].equals("--count")) a.addAll(List.of("--count", "2")); // a case wrongly accepted stays short
            c.add(a.toArray(String[]::new));
        }
        c.add(new String[] {"evaluate", "--model", model, "--out", ""});
        c.add(new String[] {"evaluate", "--model", "toy:gmm", "--out", o});
        c.add(new String[] {"conformance", "--backend", "quantum"});
        c.add(new String[] {"conformance", "--seed", "x"});
        c.add(new String[] {"info", "--bogus"});
        c.add(new String[] {"nonsense"});
        return c;
    }

    @Test
    void everyBadValueIsOneLineWithExit2AndWritesNothing() throws Exception {
        List<String> failures = new ArrayList<>();
        for (String[] args : cases()) {
            CliRun r = CliRun.of(args);
            String what = String.join(" ", args) + " -> exit " + r.code() + ": " + r.err().strip();
            String e = r.err().strip();
            if (r.code() != 2 || !e.startsWith("error: ") && !e.startsWith("Unknown") && !e.contains("error")
                    || e.lines().count() != 1 || e.contains("Exception") || e.contains("\tat ")) {
                failures.add(what);
            } else {
                try {
                    CliRun.assertOneLineClean(e);
                } catch (AssertionError x) {
                    failures.add(what);
                }
            }
            if (Files.exists(out)) {
                failures.add(what + " (wrote " + out + ")");
                try (var w = Files.walk(out)) {
                    for (Path p : w.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " bad inputs not refused cleanly:\n" + String.join("\n", failures));
        assertEquals("x", Files.readString(aFile));
        for (String f : new String[] {"trace.json", "prompts.txt", "grid.png", "loss.csv", "evaluation.json"}) {
            assertFalse(Files.exists(Path.of("").toAbsolutePath().resolve(f)), "--out \"\" wrote " + f + " into the working directory");
        }
    }
}
