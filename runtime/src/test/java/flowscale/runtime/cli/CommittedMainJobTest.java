package flowscale.runtime.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.runtime.application.DefaultModel;
import flowscale.runtime.cli.CliFixture.Run;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's main job on the shipped default model gives the committed outputs byte for byte: the images in
 * {@code bench/results/main-job/} (the default noise) and in {@code bench/results/main-job-boxmuller-v1/} (the
 * earlier default, {@code --noise-scheme boxmuller-v1}), with the same decisions in the trace. A change that moves a
 * kernel's rounding, a noise stream or a search decision fails here instead of silently leaving the README's pictures
 * unreproducible.
 */
class CommittedMainJobTest {
    private static final Path REPOSITORY = Path.of("..").toAbsolutePath().normalize();
    private static final List<String> IMAGES = List.of("best.png", "best_x8.png", "candidates.png");

    @Test
    void theReadmeCommandReproducesTheCommittedRuns(@TempDir Path tmp) throws Exception {
        String model = DefaultModel.resolve();
        for (List<String> run : List.of(List.of("main-job"), List.of("main-job-boxmuller-v1", "--noise-scheme", "boxmuller-v1"))) {
            Path committed = REPOSITORY.resolve("bench/results").resolve(run.get(0));
            assertTrue(Files.isRegularFile(committed.resolve("trace.json")), "no committed run in " + committed);
            Path out = tmp.resolve(run.get(0));
            List<String> args = new java.util.ArrayList<>(List.of("generate", "--prompt", "2 red circles and 1 blue square",
                    "--model", model, "--out", out.toString()));
            args.addAll(run.subList(1, run.size()));
            Run r = CliFixture.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.err());
            for (String image : IMAGES) {
                assertArrayEquals(Files.readAllBytes(committed.resolve(image)), Files.readAllBytes(out.resolve(image)),
                        run.get(0) + "/" + image + " differs from the committed one");
            }
            ObjectMapper json = new ObjectMapper();
            JsonNode want = json.readTree(committed.resolve("trace.json").toFile()), got = json.readTree(out.resolve("trace.json").toFile());
            for (String field : List.of("nfe", "rewardCalls", "noiseScheme", "best", "levels", "parameters")) {
                assertEquals(want.get(field), got.get(field), run.get(0) + ": trace field " + field);
            }
        }
    }
}
