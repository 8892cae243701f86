package flowscale.runtime.application;

import flowscale.loader.AtomicFile;
import flowscale.runtime.data.GridImage;
import flowscale.runtime.data.Images;
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
import java.util.regex.Pattern;

/**
 * The files of an image-model run, for any model whose samples are (or decode to) RGB images: {@code best.png} (the
 * chosen sample at its own size), {@code best_xF.png} (an F-times nearest-neighbour copy for viewing, only for images
 * under {@value #VIEW_SIDE} pixels a side: F = 8 for the 32-pixel DiT), {@code candidates.png} (the final candidates,
 * best first, each captioned with its reward) and {@code report.html}, which inlines the same PNG bytes. Each file is
 * written whole or not at all. A model's {@link Pictures} says how a sample becomes its image: the DiT's samples are
 * images, FLUX's are decoded by its VAE.
 */
public final class ImageOutputs {
    /** Images smaller than this (the longer side, in pixels) get an upscaled copy reaching at least it. */
    static final int VIEW_SIDE = 256;
    /** Candidate tiles are scaled up to at least this many pixels a side. */
    static final int TILE_SIDE = 128;
    static final int GRID_COLUMNS = 8;
    public static final String BEST = "best.png", CANDIDATES = "candidates.png", REPORT = "report.html", TRACE = "trace.json";
    /** The names of the upscaled copies, {@code best_x8.png} for the DiT. */
    public static final Pattern BEST_UPSCALED = Pattern.compile("best_x[0-9]+\\.png");

    /** How a model's samples become images, and what a detector reads off the chosen one. */
    interface Pictures {
        int height();

        int width();

        /** The RGB image {@code [3, height, width]} of a sample (may be the sample itself). */
        float[] image(float[] sample);

        /** The detector's reading of the chosen image against the run's prompt, or null when the model has none. */
        default ImageScore score(float[] image, RunInfo run) {
            return null;
        }
    }

    private ImageOutputs() {}

    /** The upscaled copy's name for an image of {@code h x w}, or null when it is large enough to view as it is. */
    public static String upscaledName(int h, int w) {
        int f = upscale(h, w);
        return f < 2 ? null : "best_x" + f + ".png";
    }

    private static int upscale(int h, int w) {
        return VIEW_SIDE / Math.max(h, w);
    }

    static List<String> write(Path dir, SearchResult result, Reward reward, RunInfo run, Pictures pictures, String modelKind)
            throws IOException {
        int h = pictures.height(), w = pictures.width();
        List<String> files = new ArrayList<>();
        byte[] shown = null;
        int shownScale = 1;
        ImageScore score = null;
        if (result.found()) {
            float[] best = pictures.image(result.best());
            shown = Images.toPng(best, h, w);
            AtomicFile.write(dir.resolve(BEST), shown);
            files.add(BEST);
            String upscaledName = upscaledName(h, w);
            if (upscaledName != null) {
                shownScale = upscale(h, w);
                shown = Images.toPng(Images.upscale(best, h, w, shownScale), h * shownScale, w * shownScale);
                AtomicFile.write(dir.resolve(upscaledName), shown);
                files.add(upscaledName);
            }
            score = pictures.score(best, run);
        }
        byte[] grid = null;
        List<Candidate> finals = new ArrayList<>(result.finalCandidates());
        if (!finals.isEmpty()) {
            // Best first; candidates without a finite reward go last.
            finals.sort(Comparator.comparingDouble((Candidate c) -> Double.isFinite(c.reward()) ? -c.reward() : Double.POSITIVE_INFINITY));
            List<float[]> tiles = new ArrayList<>();
            List<String> captions = new ArrayList<>();
            for (Candidate c : finals) {
                tiles.add(pictures.image(c.x0()));
                captions.add(String.format(Locale.ROOT, "%s %.3f", reward.name(), c.reward()));
            }
            int tileScale = Math.max(1, TILE_SIDE / Math.max(h, w));
            grid = Images.toPng(GridImage.render(tiles, captions, h, w, tileScale, GRID_COLUMNS));
            AtomicFile.write(dir.resolve(CANDIDATES), grid);
            files.add(CANDIDATES);
        }
        List<String> listed = new ArrayList<>(files);
        listed.addFirst(TRACE);
        HtmlReport.write(dir.resolve(REPORT), new RunReport(run.prompt(), run.model(), modelKind, result.trace(),
                result.bestReward(), shown, shownScale, grid, score, listed));
        files.add(REPORT);
        return files;
    }
}
