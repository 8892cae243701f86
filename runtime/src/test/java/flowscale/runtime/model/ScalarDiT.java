package flowscale.runtime.model;

import java.util.Map;

/**
 * An independent, deliberately plain implementation of the DiT forward pass in double precision, the
 * oracle for {@link DiT}. It shares nothing with the backends: its own patch loops, LayerNorm,
 * softmax attention (whole score rows), GELU and position table, written from the architecture
 * description rather than from the production code.
 */
public final class ScalarDiT {
    private final DiTConfig c;
    private final Map<String, float[]> w;
    private final int d, g, tokens, seq, grid, p, ch, size;

    public ScalarDiT(DiTConfig config, Map<String, float[]> weights) {
        this.c = config;
        this.w = weights;
        this.d = config.hiddenSize();
        this.g = config.maxGroups();
        this.grid = config.imageSize() / config.patchSize();
        this.tokens = grid * grid;
        this.seq = g + tokens;
        this.p = config.patchSize();
        this.ch = config.inChannels();
        this.size = config.imageSize();
    }

    /** The guided velocity {@code u_null + scale (u_cond - u_null)}, or the plain one when scale is 1. */
    double[] velocity(float[] image, double t, int[][] groups, double scale) {
        double[] cond = velocity(image, t, groups);
        if (scale == 1.0) return cond;
        double[] uncond = velocity(image, t, new int[0][]);
        double[] out = new double[cond.length];
        for (int i = 0; i < out.length; i++) out[i] = uncond[i] + scale * (cond[i] - uncond[i]);
        return out;
    }

    /** The conditional velocity for an image {@code [C, H, W]} at flow time {@code t} (step size 0). */
    public double[] velocity(float[] image, double t, int[][] groups) {
        return velocity(image, t, 0.0, groups);
    }

    /**
     * A shortcut model's output {@code s(x, t, d)}: as {@link #velocity(float[], double, int[][])} with the step size's
     * embedding {@code d_embedder.mlp.2(silu(d_embedder.mlp.0(features(1000 d))))} added to the conditioning vector.
     * A base config (no {@code d_embedder}) takes only d = 0.
     */
    public double[] velocity(float[] image, double t, double stepSize, int[][] groups) {
        if (!c.shortcut() && stepSize != 0) throw new IllegalArgumentException("a base model has no step-size input");
        int pf = ch * p * p;
        // Patch tokens: token (gy, gx), features (channel, py, px).
        double[][] patches = new double[tokens][pf];
        for (int gy = 0; gy < grid; gy++) {
            for (int gx = 0; gx < grid; gx++) {
                for (int k = 0; k < ch; k++) {
                    for (int py = 0; py < p; py++) {
                        for (int px = 0; px < p; px++) {
                            int y = gy * p + py, x = gx * p + px;
                            patches[gy * grid + gx][(k * p + py) * p + px] = image[(k * size + y) * size + x];
                        }
                    }
                }
            }
        }
        double[][] pos = positionTable();

        double[] tEmb = lin("t_embedder.mlp.2", silu(lin("t_embedder.mlp.0", features(t))));

        // Condition tokens, one per slot; pooled mean through y_embedder.
        double[][] condTokens = new double[g][d];
        double[] pooled = new double[d];
        for (int s = 0; s < g; s++) {
            for (int j = 0; j < d; j++) {
                double v;
                if (s < groups.length) {
                    v = at("cond_embedder.count.weight", groups[s][0], j)
                            + at("cond_embedder.colour.weight", groups[s][1], j)
                            + at("cond_embedder.shape.weight", groups[s][2], j);
                } else {
                    v = at("cond_embedder.null.weight", 0, j);
                }
                v += at("cond_embedder.slot.weight", s, j);
                condTokens[s][j] = v;
                pooled[j] += v / g;
            }
        }
        double[] yEmb = lin("y_embedder.mlp.2", silu(lin("y_embedder.mlp.0", pooled)));
        double[] cvec = new double[d];
        for (int j = 0; j < d; j++) cvec[j] = tEmb[j] + yEmb[j];
        if (c.shortcut()) {
            double[] dEmb = lin("d_embedder.mlp.2", silu(lin("d_embedder.mlp.0", features(stepSize))));
            for (int j = 0; j < d; j++) cvec[j] += dEmb[j];
        }
        double[] sc = silu(cvec);

        double[][] xs = new double[seq][];
        for (int s = 0; s < g; s++) xs[s] = condTokens[s];
        for (int k = 0; k < tokens; k++) {
            double[] e = lin("x_embedder.proj", patches[k]);
            for (int j = 0; j < d; j++) e[j] += pos[k][j];
            xs[g + k] = e;
        }

        int heads = c.numHeads(), hd = d / heads;
        for (int b = 0; b < c.depth(); b++) {
            String pre = "blocks." + b + ".";
            double[] mod = lin(pre + "adaLN_modulation.1", sc);
            double[][] qkv = new double[seq][];
            for (int s = 0; s < seq; s++) qkv[s] = lin(pre + "attn.qkv", modulate(layerNorm(xs[s]), mod, 0, 1));
            double[][] att = new double[seq][d];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < seq; i++) {
                    double[] score = new double[seq];
                    double mx = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < seq; j++) {
                        double dot = 0;
                        for (int e = 0; e < hd; e++) dot += qkv[i][h * hd + e] * qkv[j][d + h * hd + e];
                        score[j] = dot / Math.sqrt(hd);
                        mx = Math.max(mx, score[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < seq; j++) { score[j] = Math.exp(score[j] - mx); z += score[j]; }
                    for (int j = 0; j < seq; j++) {
                        for (int e = 0; e < hd; e++) att[i][h * hd + e] += score[j] / z * qkv[j][2 * d + h * hd + e];
                    }
                }
            }
            for (int s = 0; s < seq; s++) {
                double[] o = lin(pre + "attn.proj", att[s]);
                for (int j = 0; j < d; j++) xs[s][j] += mod[2 * d + j] * o[j];
            }
            for (int s = 0; s < seq; s++) {
                double[] hdn = lin(pre + "mlp.fc1", modulate(layerNorm(xs[s]), mod, 3, 4));
                for (int j = 0; j < hdn.length; j++) hdn[j] = gelu(hdn[j]);
                double[] o = lin(pre + "mlp.fc2", hdn);
                for (int j = 0; j < d; j++) xs[s][j] += mod[5 * d + j] * o[j];
            }
        }

        double[] fmod = lin("final_layer.adaLN_modulation.1", sc);
        double[] out = new double[ch * size * size];
        for (int k = 0; k < tokens; k++) {
            double[] o = lin("final_layer.linear", modulate(layerNorm(xs[g + k]), fmod, 0, 1));
            int gy = k / grid, gx = k % grid;
            for (int kc = 0; kc < ch; kc++) {
                for (int py = 0; py < p; py++) {
                    for (int px = 0; px < p; px++) {
                        out[(kc * size + gy * p + py) * size + gx * p + px] = o[(kc * p + py) * p + px];
                    }
                }
            }
        }
        return out;
    }

    /** Sinusoidal features of a value in [0, 1], fed as float32 {@code v*1000} like a PyTorch float timestep. */
    private double[] features(double v) {
        double tt = (float) (v * 1000.0);
        int freqDim = c.frequencyEmbeddingSize();
        int half = freqDim / 2;
        double[] freq = new double[freqDim];
        for (int i = 0; i < half; i++) {
            double f = Math.exp(-Math.log(10000.0) * i / half);
            freq[i] = Math.cos(tt * f);
            freq[half + i] = Math.sin(tt * f);
        }
        return freq;
    }

    /** DiT's 2-D table: first half from the column coordinate, second half from the row coordinate. */
    private double[][] positionTable() {
        double[][] table = new double[tokens][d];
        int quarter = d / 4;
        for (int row = 0; row < grid; row++) {
            for (int col = 0; col < grid; col++) {
                double[] e = table[row * grid + col];
                double[] coords = {col, row};
                for (int part = 0; part < 2; part++) {
                    for (int i = 0; i < quarter; i++) {
                        double omega = 1.0 / Math.pow(10000.0, i / (double) quarter);
                        e[part * 2 * quarter + i] = Math.sin(coords[part] * omega);
                        e[part * 2 * quarter + quarter + i] = Math.cos(coords[part] * omega);
                    }
                }
            }
        }
        return table;
    }

    private double at(String name, int row, int col) {
        return w.get(name)[row * d + col];
    }

    /** {@code W x + b} with {@code W} stored {@code [out, in]} (any trailing dims flattened into in). */
    private double[] lin(String prefix, double[] x) {
        float[] wt = w.get(prefix + ".weight");
        float[] b = w.get(prefix + ".bias");
        int out = b.length;
        int in = wt.length / out;
        if (in != x.length) throw new IllegalStateException(prefix + ": input " + x.length + " vs " + in);
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b[o];
            for (int i = 0; i < in; i++) s += (double) wt[o * in + i] * x[i];
            y[o] = s;
        }
        return y;
    }

    private static double[] layerNorm(double[] x) {
        double mean = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        double var = 0;
        for (double v : x) var += (v - mean) * (v - mean);
        var /= x.length;
        double inv = 1.0 / Math.sqrt(var + 1e-6);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (x[i] - mean) * inv;
        return y;
    }

    /** {@code x * (1 + scale) + shift} with shift and scale the given D-wide chunks of {@code mod}. */
    private double[] modulate(double[] x, double[] mod, int shiftChunk, int scaleChunk) {
        double[] y = new double[x.length];
        for (int j = 0; j < x.length; j++) y[j] = x[j] * (1 + mod[scaleChunk * d + j]) + mod[shiftChunk * d + j];
        return y;
    }

    private static double[] silu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] / (1 + Math.exp(-x[i]));
        return y;
    }

    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }
}
