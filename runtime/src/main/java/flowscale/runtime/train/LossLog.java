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
 * checkpoint's step, so the steps redone after an interrupt are not listed twice. A shortcut run's log has two more
 * columns, the flow-matching and the self-consistency parts of the loss (each a mean over its own items).
 */
public final class LossLog {
    public static final String CSV = "loss.csv";
    public static final String PNG = "loss.png";
    private static final String HEADER = "step,loss,smoothed_loss,learning_rate,grad_norm,samples_per_s,elapsed_s";
    private static final String PARTS = ",flow_matching_loss,self_consistency_loss";

    private final Path csv, png;
    private final boolean parts;
    private final List<double[]> rows = new ArrayList<>();
    private final StringBuilder pending = new StringBuilder();
    private double smoothed = Double.NaN;

    /** Opens the log in {@code dir}, keeping only the rows of the {@code fromStep} steps a checkpoint holds (rows are numbered from 1). */
    public LossLog(Path dir, long fromStep) {
        this(dir, fromStep, false);
    }

    /** As {@link #LossLog(Path, long)}, with the two loss parts of a shortcut run when {@code parts}. */
    public LossLog(Path dir, long fromStep, boolean parts) {
        this.parts = parts;
        this.csv = dir.resolve(CSV);
        this.png = dir.resolve(PNG);
        try {
            List<String> kept = new ArrayList<>();
            kept.add(parts ? HEADER + PARTS : HEADER);
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
                    if (r.length == (parts ? 9 : 7) && r[0] <= fromStep) {
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
        if (parts) throw new IllegalStateException("a shortcut run's log needs the loss parts");
        return record(step, loss, lr, gradNorm, samplesPerSecond, elapsed, null);
    }

    /** As {@link #add(long, double, double, double, double, double)}, with a shortcut run's two loss parts. */
    public double add(long step, double loss, double lr, double gradNorm, double samplesPerSecond, double elapsed,
                      double flowMatching, double selfConsistency) {
        if (!parts) throw new IllegalStateException("this log has no loss parts");
        return record(step, loss, lr, gradNorm, samplesPerSecond, elapsed, new double[] {flowMatching, selfConsistency});
    }

    private double record(long step, double loss, double lr, double gradNorm, double samplesPerSecond, double elapsed, double[] part) {
        if (Double.isFinite(loss)) smoothed = Double.isNaN(smoothed) ? loss : 0.99 * smoothed + 0.01 * loss;
        double[] r = part == null ? new double[] {step, loss, smoothed, lr, gradNorm, samplesPerSecond, elapsed}
                : new double[] {step, loss, smoothed, lr, gradNorm, samplesPerSecond, elapsed, part[0], part[1]};
        rows.add(r);
        pending.append(String.format(Locale.ROOT, "%d,%.6g,%.6g,%.6g,%.6g,%.4g,%.1f", step, loss, smoothed, lr, gradNorm,
                samplesPerSecond, elapsed));
        if (part != null) pending.append(String.format(Locale.ROOT, ",%.6g,%.6g", part[0], part[1]));
        pending.append(System.lineSeparator());
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
        LinePlot plot = new LinePlot(720, 420, parts ? "training loss (flow matching and self-consistency MSE)"
                : "training loss (flow matching MSE)", "step", "loss", true)
                .line("per step", x, loss, new Color(150, 180, 230), 1f);
        if (parts) {
            double[] fm = new double[rows.size()], sc = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                fm[i] = rows.get(i)[7];
                sc[i] = rows.get(i)[8];
            }
            plot.line("flow matching (d = 0)", x, fm, new Color(120, 190, 120), 1f)
                    .line("self-consistency", x, sc, new Color(230, 170, 80), 1f);
        }
        plot.line("smoothed", x, smooth, new Color(200, 40, 40), 2f).write(png);
    }
}
