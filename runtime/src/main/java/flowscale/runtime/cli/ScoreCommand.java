package flowscale.runtime.cli;

import flowscale.runtime.UserError;
import flowscale.runtime.data.Images;
import flowscale.runtime.data.Prompt;
import flowscale.runtime.data.PromptParser;
import flowscale.runtime.data.ShapeClass;
import flowscale.runtime.reward.Detection;
import flowscale.runtime.reward.ImageScore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code flowscale score}: detections, counts, rewards and the held-out metric of images for a prompt. */
@Command(name = "score",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Print, for each image, the detected objects (colour, shape, size), the counts per class,"
                    + " the counting reward (-RSS over the prompt's groups), the composition reward and the"
                    + " held-out metric (an independent counter)."})
public final class ScoreCommand implements Runnable {
    @Option(names = "--prompt", required = true, description = "The prompt, e.g. \"2 red circles and 1 blue square\".")
    String prompt;

    @Option(names = "--size", description = "Expected image side in pixels.", defaultValue = "32")
    int size;

    @Parameters(paramLabel = "IMAGE", arity = "1..*", description = "PNG images (RGB or ARGB) of --size x --size pixels.")
    List<Path> images;

    @Override
    public void run() {
        InputLimits.prompt("--prompt", prompt);
        Prompt p = PromptParser.parse(prompt);
        for (Path image : images) InputLimits.regularFile("", image, 64L << 20);
        if (size < 1 || size > 4096) throw new UserError("--size " + size + " is outside 1-4096");
        List<float[]> loaded = new ArrayList<>();
        for (Path image : images) {
            loaded.add(Images.readPng(image, size, size)); // every image is checked before anything is printed
        }
        PrintStream out = System.out;
        out.println("prompt: " + p.canonical());
        for (int i = 0; i < images.size(); i++) {
            ImageScore s = ImageScore.of(loaded.get(i), p);
            out.println(images.get(i) + ":");
            if (s.detections().isEmpty()) {
                out.println("  detections: none");
            } else {
                out.println("  detections:");
                for (Detection d : s.detections()) out.println("    " + d.describe());
            }
            out.println("  counts: " + describe(s.counts(), s.tally().invalid()));
            out.printf(Locale.ROOT, "  counting %.0f  composition %.3f  heldout %.3f  validshapes %.3f%n",
                    s.counting(), s.composition(), s.heldOut(), s.validShapes());
        }
        out.flush();
    }

    private static String describe(Map<ShapeClass, Integer> counts, int invalid) {
        String valid = counts.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey().colour().word() + " " + e.getKey().shape().word(e.getValue()))
                .collect(Collectors.joining(", "));
        if (valid.isEmpty()) valid = "nothing";
        return invalid == 0 ? valid : valid + " (+" + invalid + " invalid)";
    }
}
