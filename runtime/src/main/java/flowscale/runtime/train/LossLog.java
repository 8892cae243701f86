package flowscale.runtime.train;

import flowscale.runtime.report.LinePlot;

import java.awt.Color;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The loss curve of a run: {@code loss.csv} (one row per step: step, loss, smoothed loss, learning rate, gradient
 * norm before clipping, samples/s, wall seconds) and {@code loss.png}. On resume the CSV is cut back to the
 * checkpoint's step, so the steps redone after an interrupt are not listed twice.
 */
public final class LossLog {
    public static final String CSV = "loss.csv";
    public static final String PNG = "loss.png";
    private static final String HEADER = "step,loss,smoothed_loss,learning_rate,grad_norm,samples_per_s,elapsed_s";

    private final Path csv, png;
    private final List<double[]> rows = new ArrayList<>();
    private final StringBuilder pending = new StringBuilder();
    private double smoothed = Double.NaN;

    /** Opens the log in {@code dir}, keeping only the rows of the {@code fromStep} steps a checkpoint holds (rows are numbered from 1). */
    public LossLog(Path dir, long fromStep) {
        this.csv = dir.resolve(CSV);
        this.png = dir.resolve(PNG);
        try {
            List<String> kept = new ArrayList<>();
            kept.add(HEADER);
            if (fromStep > 0 && Files.isRegularFile(csv)) {
                for (String line : Files.readAllLines(csv)) {
                    if (line.isBlank() || line.startsWith("step")) continue;
                    String[] f = line.split(",");
                    double[] r = new double[f.length];
                    try {
                        for (int i = 0; i < f.length; i++) r[i] = Double.parseDouble(f[i]);
                    } catch (NumberFormatException e) {
                        continue;
                    }
                    if (r.length == 7 && r[0] <= fromStep) {
                        rows.add(r);
                        kept.add(line);
                        smoothed = r[2];
                    }
                }
            }
            Files.write(csv, kept);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv + ": " + e.getMessage(), e);
        }
    }

    /** Records one step; returns the smoothed loss (an exponential average over ~100 steps). */
    public double add(long step, double loss, double lr, double gradNorm, double samplesPerSecond, double elapsed) {
        if (Double.isFinite(loss)) smoothed = Double.isNaN(smoothed) ? loss : 0.99 * smoothed + 0.01 * loss;
        double[] r = {step, loss, smoothed, lr, gradNorm, samplesPerSecond, elapsed};
        rows.add(r);
        pending.append(String.format(Locale.ROOT, "%d,%.6g,%.6g,%.6g,%.6g,%.4g,%.1f%n", step, loss, smoothed, lr, gradNorm,
                samplesPerSecond, elapsed));
        return smoothed;
    }

    public double smoothed() { return smoothed; }

    /** Appends the pending rows to the CSV and redraws the PNG. */
    public void flush() {
        try {
            Files.writeString(csv, pending, StandardOpenOption.APPEND);
            pending.setLength(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + csv + ": " + e.getMessage(), e);
        }
        double[] x = new double[rows.size()], loss = new double[rows.size()], smooth = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            x[i] = rows.get(i)[0];
            loss[i] = rows.get(i)[1];
            smooth[i] = rows.get(i)[2];
        }
        new LinePlot(720, 420, "training loss (flow matching MSE)", "step", "loss", true)
                .line("per step", x, loss, new Color(150, 180, 230), 1f)
                .line("smoothed", x, smooth, new Color(200, 40, 40), 2f)
                .write(png);
    }
}
