package flowscale.runtime.cli;

import flowscale.loader.AtomicFile;
import flowscale.runtime.UserError;
import flowscale.runtime.data.GridImage;
import flowscale.runtime.data.Images;
import flowscale.runtime.data.Scene;
import flowscale.runtime.data.ShapesWorld;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code flowscale world}: writes example images of the shapes world with their prompts and a captioned grid. */
@Command(name = "world",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Write N example images of the shapes world (PNG, named by index), prompts.txt"
                    + " (one 'file<TAB>prompt' line per image) and grid.png (the first images with captions)."})
public final class WorldCommand implements Runnable {
    static final int MAX_COUNT = 100_000;
    static final int GRID_LIMIT = 64;

    @Option(names = "--seed", description = "Seed of the scene stream; the same seed gives the same images.", defaultValue = "0")
    long seed;

    @Option(names = "--count", description = "Number of images to write (1-" + MAX_COUNT + ").", defaultValue = "16")
    int count;

    @Option(names = "--out", required = true, description = "Output directory (created if missing).")
    Path out;

    @Option(names = "--size", description = "Image side in pixels (32-256; object sizes scale with it).", defaultValue = "32")
    int size;

    @Option(names = "--upscale", description = "Also write copies upscaled by this factor (nearest neighbour) for viewing; 1 = none.", defaultValue = "1")
    int upscale;

    @Option(names = "--grid-scale", description = "Upscaling factor of the tiles in grid.png.", defaultValue = "4")
    int gridScale;

    @Option(names = "--columns", description = "Tiles per row in grid.png.", defaultValue = "8")
    int columns;

    @Override
    public void run() {
        if (count < 1 || count > MAX_COUNT) throw new UserError("--count " + count + " is outside 1-" + MAX_COUNT);
        if (size < 32 || size > 256) throw new UserError("--size " + size + " is outside 32-256");
        if (upscale < 1 || upscale > 32) throw new UserError("--upscale " + upscale + " is outside 1-32");
        if (gridScale < 1 || gridScale > 32) throw new UserError("--grid-scale " + gridScale + " is outside 1-32");
        if (columns < 1) throw new UserError("--columns " + columns + " must be at least 1");
        checkGridSize();
        OutputDirectory.check(out);
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UserError("cannot create --out " + out + ": " + e.getMessage(), e);
        }
        ShapesWorld world = new ShapesWorld(size);
        StringBuilder prompts = new StringBuilder();
        List<float[]> tiles = new ArrayList<>();
        List<String> captions = new ArrayList<>();
        int digits = Math.max(4, Integer.toString(count - 1).length());
        for (int i = 0; i < count; i++) {
            Scene scene = world.scene(seed, i);
            String name = String.format(Locale.ROOT, "%0" + digits + "d", i);
            Images.write(out.resolve(name + ".png"), scene.image(), size, size);
            if (upscale > 1) {
                Images.write(out.resolve(name + "_x" + upscale + ".png"),
                        Images.upscale(scene.image(), size, size, upscale), size * upscale, size * upscale);
            }
            prompts.append(name).append(".png\t").append(scene.text()).append('\n');
            if (tiles.size() < GRID_LIMIT) {
                tiles.add(scene.image());
                captions.add(i + ": " + scene.text());
            }
        }
        writeText(out.resolve("prompts.txt"), prompts.toString());
        GridImage.write(out.resolve("grid.png"), tiles, captions, size, size, gridScale, columns);
        System.out.printf(Locale.ROOT, "wrote %d images (%dx%d, seed %d), prompts.txt and grid.png to %s%n",
                count, size, size, seed, out);
    }

    /** grid.png is one image in memory: refuse a layout it cannot be (a raster is at most 2^31 samples). */
    private void checkGridSize() {
        long tiles = Math.min(count, GRID_LIMIT);
        long cols = Math.min(columns, tiles);
        long rows = (tiles + cols - 1) / cols;
        long tile = (long) size * gridScale;
        long width = cols * tile, height = rows * tile;
        if (width > MAX_GRID_SIDE || height > MAX_GRID_SIDE || width * height > MAX_GRID_PIXELS) {
            throw new UserError(String.format(Locale.ROOT, "grid.png would be about %d x %d pixels (at most %d a side and %d"
                    + " in all); lower --grid-scale, --size or --columns", width, height, MAX_GRID_SIDE, MAX_GRID_PIXELS));
        }
    }

    static final long MAX_GRID_SIDE = 32_768;
    static final long MAX_GRID_PIXELS = 1L << 28;

    private static void writeText(Path path, String text) {
        try {
            AtomicFile.writeString(path, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
