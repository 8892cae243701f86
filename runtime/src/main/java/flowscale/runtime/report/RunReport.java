package flowscale.runtime.report;

import flowscale.runtime.reward.ImageScore;
import flowscale.runtime.search.Trace;

import java.util.List;

/**
 * Everything one run's {@code report.html} shows. Images are PNG bytes, inlined into the page.
 *
 * @param prompt       the prompt as given
 * @param model        the {@code --model} value (path or spec)
 * @param modelKind    what it is, e.g. {@code dit D=256 depth=6 heads=4 on cpu}
 * @param trace        the search's trace (settings, levels, timings, interrupted)
 * @param bestReward   the reward of the chosen sample (negative infinity when none was found)
 * @param bestPng      the chosen sample, upscaled for viewing; null when none was found
 * @param bestScale    how much {@code bestPng} was upscaled (8 for {@code best_x8.png})
 * @param candidatesPng the grid of final candidates; null when there were none
 * @param score        the detector's reading of the chosen sample against the prompt; null when none was found
 * @param files        the output files written beside the report, in the order listed
 */
public record RunReport(String prompt, String model, String modelKind, Trace trace, double bestReward,
                        byte[] bestPng, int bestScale, byte[] candidatesPng, ImageScore score, List<String> files) {
    public RunReport {
        files = List.copyOf(files);
    }

    public boolean found() {
        return bestPng != null;
    }
}
