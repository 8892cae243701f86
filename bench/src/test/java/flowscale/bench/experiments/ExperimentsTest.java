package flowscale.bench.experiments;

import flowscale.runtime.cli.CliFixture;
import flowscale.runtime.cli.CliFixture.Run;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static flowscale.runtime.cli.CliFixture.assertUsage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole harness, {@code --quick} on a tiny random-weight DiT with 2 prompts: outputs, resume, bad input. */
class ExperimentsTest {
    @TempDir
    static Path dir;
    static Path checkpoint;

    @BeforeAll
    static void writeTinyModel() {
        checkpoint = CliFixture.tinyDiT(dir, 11);
    }

    private static Run run(String... args) {
        return CliFixture.run(Experiments.commandLine(), args);
    }

    @Test
    void quickRunWritesEverySectionAndAResumableResultsFile() throws Exception {
        Path out = dir.resolve("quick");
        Run r = run("--model", checkpoint.toString(), "--out", out.toString(), "--quick", "--prompts", "2");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("estimate:"), r.out());
        assertTrue(r.out().contains("[24/24]"), r.out());

        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertEquals(1 + 12 * 2, csv.size(), "header + 12 configurations x 2 prompts");
        String md = Files.readString(out.resolve("experiments.md"));
        for (String section : List.of("## 1. Methods × samplers at 100 NFE", "## 2. NFE scaling",
                "## 3. Interpolant-conversion ablation", "## 4. Time split of the main job", "## 5. The paper's claims", "## Prompts")) {
            assertTrue(md.contains(section), "missing " + section);
        }
        assertFalse(md.contains("| – |") || md.contains(" – |"), "every quick cell must be filled:\n" + md);
        assertFalse(md.contains(" n/a |") || md.contains(" n/a ("), md);
        assertTrue(md.contains("| rbf | VP-SDE | 50 | 48 |"), "RBF at 50 NFE (init 2) stops at 48:\n" + md);
        assertTrue(md.contains("+ Adapt. Diff. (`linear-sde-adapt-diff`)"), md);
        assertTrue(md.contains("| RBF (VP-SDE) beats BoN (Linear-ODE) at 50 NFE |"), md);
        assertEquals(1, md.lines().filter(l -> l.startsWith("| RBF (VP-SDE) beats BoN (Linear-ODE)")).filter(l -> !l.contains(" at ")).count(), md);
        for (String png : List.of("methods_reward.png", "methods_accuracy.png", "scaling_reward.png", "scaling_accuracy.png", "scaling_heldout.png")) {
            BufferedImage img = ImageIO.read(out.resolve(png).toFile());
            assertNotNull(img, png);
            assertTrue(img.getWidth() >= 760, png);
        }
        try (var files = Files.list(out)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temporary files left behind");
        }

        // a rerun skips every search; an interrupted run (rows missing) redoes only the missing ones
        Run again = run("--model", checkpoint.toString(), "--out", out.toString(), "--quick", "--prompts", "2");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("(24 already in"), again.out());
        assertFalse(again.out().contains("[1/24]"), again.out());
        assertEquals(csv, Files.readAllLines(out.resolve("results.csv")));

        Run dry = run("--model", checkpoint.toString(), "--out", out.toString(), "--quick", "--prompts", "3", "--dry-run");
        assertEquals(0, dry.code(), dry.err());
        assertTrue(dry.out().contains("36 searches (24 already in"), dry.out());
        assertEquals(csv, Files.readAllLines(out.resolve("results.csv")), "a dry run writes nothing");
        Path fresh = dir.resolve("dry-only");
        assertEquals(0, run("--model", checkpoint.toString(), "--out", fresh.toString(), "--quick", "--dry-run").code());
        assertFalse(Files.exists(fresh), "a dry run creates no output directory");

        Files.write(out.resolve("results.csv"), csv.subList(0, csv.size() - 3));
        Run resumed = run("--model", checkpoint.toString(), "--out", out.toString(), "--quick", "--prompts", "2");
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.out().contains("(21 already in"), resumed.out());
        assertEquals(3, resumed.out().lines().filter(l -> l.startsWith("[")).count(), resumed.out());
        assertEquals(csv.size(), Files.readAllLines(out.resolve("results.csv")).size());
    }

    /** Searches advancing together with shared model calls give the rows of one at a time, in the same order (times aside). */
    @Test
    void concurrentSearchesGiveTheSameRows() throws Exception {
        List<List<String>> rows = new java.util.ArrayList<>();
        for (String concurrent : List.of("1", "5")) {
            Path out = dir.resolve("concurrent-" + concurrent);
            Run r = run("--model", checkpoint.toString(), "--out", out.toString(), "--quick", "--prompts", "1",
                    "--concurrent-searches", concurrent);
            assertEquals(0, r.code(), r.err() + r.out());
            assertTrue(r.out().contains("[12/12]"), r.out());
            rows.add(Files.readAllLines(out.resolve("results.csv")).stream().map(ExperimentsTest::withoutTimes).toList());
        }
        assertEquals(13, rows.get(0).size());
        assertEquals(rows.get(0), rows.get(1));
        assertUsage(run("--model", checkpoint.toString(), "--out", dir.resolve("bad-concurrent").toString(),
                "--concurrent-searches", "0"), "--concurrent-searches must be between 1 and 256");
    }

    /**
     * The hard prompt set and the composition reward: rows under their own setup id (never mixed with the default run's),
     * tables named after the reward; and the claims plan on a base model, whose faithful one-step cells are n/a.
     */
    @Test
    void hardPromptsCompositionRewardAndTheClaimsPlan() throws Exception {
        Path out = dir.resolve("hard-composition");
        Run r = run("--model", checkpoint.toString(), "--out", out.toString(), "--quick", "--prompts", "1",
                "--prompt-set", "hard", "--reward", "composition");
        assertEquals(0, r.code(), r.err() + r.out());
        String md = Files.readString(out.resolve("experiments.md"));
        assertTrue(md.contains("hardHeldOutPrompts"), md);
        assertTrue(md.contains("| composition reward |") && md.contains("Perfect-composition rate"), md);
        assertFalse(md.contains("counting reward"), md);
        String id = Experiments.setupId(Experiments.fingerprint(checkpoint), "hard", "composition");
        List<String> csv = Files.readAllLines(out.resolve("results.csv"));
        assertTrue(csv.stream().skip(1).allMatch(l -> l.startsWith(id + ",")), String.join("\n", csv));
        assertTrue(md.contains("3 groups, at least 7 objects"), md);

        Path claims = dir.resolve("claims");
        Run c = run("--model", checkpoint.toString(), "--out", claims.toString(), "--plan", "claims", "--prompts", "1");
        assertEquals(0, c.code(), c.err() + c.out());
        String cm = Files.readString(claims.resolve("experiments.md"));
        assertTrue(cm.contains("| rbf VP-SDE | faithful | – | n/a |"), cm);
        assertTrue(cm.contains("| RBF: VP-SDE beats Linear-ODE on the same sqrt grid (`ode-vp-grid`) |"), cm);
        assertTrue(cm.contains("Linear-ODE, sqrt grid (`ode-vp-grid`)"), cm);
    }

    /** Two shards of a run, their rows put into one file, are the whole run: a rerun finds every search done. */
    @Test
    void shardsTogetherAreTheWholeRun() throws Exception {
        java.util.Set<String> merged = new java.util.TreeSet<>();
        String header = null;
        for (String shard : List.of("0/2", "1/2")) {
            Path out = dir.resolve("shard-" + shard.charAt(0));
            Run r = run("--model", checkpoint.toString(), "--out", out.toString(), "--quick", "--prompts", "2", "--shard", shard);
            assertEquals(0, r.code(), r.err() + r.out());
            List<String> csv = Files.readAllLines(out.resolve("results.csv"));
            header = csv.get(0);
            assertEquals(1 + 12, csv.size(), "each shard runs its one prompt's 12 searches");
            merged.addAll(csv.subList(1, csv.size()));
        }
        Path whole = dir.resolve("shards-merged");
        Files.createDirectories(whole);
        List<String> lines = new java.util.ArrayList<>();
        lines.add(header);
        lines.addAll(merged);
        Files.write(whole.resolve("results.csv"), lines);
        Run again = run("--model", checkpoint.toString(), "--out", whole.toString(), "--quick", "--prompts", "2");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("(24 already in"), again.out());
        assertTrue(Files.readString(whole.resolve("experiments.md")).contains("## 5. The paper's claims"));
        assertUsage(run("--model", checkpoint.toString(), "--out", dir.resolve("bad-shard").toString(), "--shard", "2/2"), "--shard");
    }

    /** A results.csv line without total_ms, model_ms and reward_ms. */
    private static String withoutTimes(String csvLine) {
        String[] f = csvLine.split(",", -1);
        assertEquals(21, f.length, csvLine);
        return String.join(",", java.util.Arrays.copyOfRange(f, 0, 17)) + "," + f[20];
    }

    @Test
    void badInputIsOneLineWithExitCode2AndNoOutput() {
        Path out = dir.resolve("bad");
        Run missing = run("--model", dir.resolve("nope.safetensors").toString(), "--out", out.toString());
        assertUsage(missing, "does not exist");
        assertUsage(run("--model", checkpoint.toString(), "--out", out.toString(), "--prompts", "0"), "--prompts must be >= 1");
        assertUsage(run("--model", checkpoint.toString(), "--out", out.toString(), "--backend", "quantum"), "quantum");
        assertUsage(run("--model", checkpoint.toString(), "--out", out.toString(), "--cfg", "NaN"), "--cfg");
        assertUsage(run("--model", checkpoint.toString(), "--out", out.toString(), "--devices", "bogus"), "bogus");
        assertUsage(run("--frobnicate"), "frobnicate");
        assertUsage(run("--model", checkpoint.toString(), "--out", out.toString(), "--plan", "everything"), "--plan");
        assertUsage(run("--model", checkpoint.toString(), "--out", out.toString(), "--quick", "--plan", "claims"), "--quick");
        assertUsage(run("--model", checkpoint.toString(), "--out", out.toString(), "--prompt-set", "medium"), "--prompt-set");
        assertUsage(run("--model", checkpoint.toString(), "--out", out.toString(), "--reward", "jpeg-compressibility"), "--reward");
        assertFalse(Files.exists(out), "no output directory for a failed start");
    }

    @Test
    void helpListsTheOptionsWithoutWarnings() {
        Run r = run("--help");
        assertEquals(0, r.code());
        assertEquals("", r.err());
        for (String o : List.of("--model", "--out", "--quick", "--prompts", "--seed", "--dry-run")) assertTrue(r.out().contains(o), o);
    }
}
