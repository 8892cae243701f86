package flowscale.runtime.application;

import flowscale.loader.AtomicFile;
import flowscale.runtime.data.GridImage;
import flowscale.runtime.data.Images;
import flowscale.runtime.data.PromptParser;
import flowscale.runtime.report.HtmlReport;
import flowscale.runtime.report.RunReport;
import flowscale.runtime.reward.ImageScore;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.search.Candidate;
import flowscale.runtime.search.SearchResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * The files of an image-model run: {@code best.png} (the chosen sample at its own size), {@code best_x8.png}
 * (an 8x nearest-neighbour copy for viewing), {@code candidates.png} (the final candidates, best first, each
 * captioned with its reward) and {@code report.html}, which inlines the same PNG bytes. Each file is written
 * whole or not at all.
 */
public final class DiTOutputs {
    static final int UPSCALE = 8;
    static final int GRID_SCALE = 4;
    static final int GRID_COLUMNS = 8;
    public static final String BEST = "best.png", BEST_UPSCALED = "best_x" + UPSCALE + ".png", CANDIDATES = "candidates.png",
            REPORT = "report.html", TRACE = "trace.json";

    private DiTOutputs() {}

    static List<String> write(Path dir, SearchResult result, Reward reward, RunInfo run, int size, String modelKind)
            throws IOException {
        List<String> files = new ArrayList<>();
        byte[] upscaled = null;
        ImageScore score = null;
        if (result.found()) {
            float[] best = result.best();
            AtomicFile.write(dir.resolve(BEST), Images.toPng(best, size, size));
            upscaled = Images.toPng(Images.upscale(best, size, size, UPSCALE), size * UPSCALE, size * UPSCALE);
            AtomicFile.write(dir.resolve(BEST_UPSCALED), upscaled);
            files.add(BEST);
            files.add(BEST_UPSCALED);
            score = ImageScore.of(best, PromptParser.parse(run.prompt()));
        }
        byte[] grid = null;
        List<Candidate> finals = new ArrayList<>(result.finalCandidates());
        if (!finals.isEmpty()) {
            // Best first; candidates without a finite reward go last.
            finals.sort(Comparator.comparingDouble((Candidate c) -> Double.isFinite(c.reward()) ? -c.reward() : Double.POSITIVE_INFINITY));
            List<float[]> tiles = new ArrayList<>();
            List<String> captions = new ArrayList<>();
            for (Candidate c : finals) {
                tiles.add(c.x0());
                captions.add(String.format(Locale.ROOT, "%s %.3f", reward.name(), c.reward()));
            }
            grid = Images.toPng(GridImage.render(tiles, captions, size, size, GRID_SCALE, GRID_COLUMNS));
            AtomicFile.write(dir.resolve(CANDIDATES), grid);
            files.add(CANDIDATES);
        }
        List<String> listed = new ArrayList<>(files);
        listed.addFirst(TRACE);
        HtmlReport.write(dir.resolve(REPORT), new RunReport(run.prompt(), run.model(), modelKind, result.trace(),
                result.bestReward(), upscaled, UPSCALE, grid, score, listed));
        files.add(REPORT);
        return files;
    }
}
