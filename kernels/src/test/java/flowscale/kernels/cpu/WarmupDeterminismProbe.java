package flowscale.kernels.cpu;

import flowscale.kernels.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Main class of a fresh JVM (started by {@link CpuWarmupDeterminismTest}): runs the cpu ops that use
 * exponentials or lane sums on fixed inputs, on a new thread, while the JIT warms up from the interpreter
 * through C1 to C2, and compares every output bit with the first (interpreted) call's. Prints one line
 * per op and checkpoint; exits 1 if any output changed.
 *
 * <p>Run it with {@code -Xbatch} so that a method the warm-up makes hot is compiled before the next call
 * (a background compile could still be queued at a checkpoint on a busy machine).
 */
final class WarmupDeterminismProbe {
    private WarmupDeterminismProbe() {}

    /** One op on fixed inputs; {@link #run} computes it, {@link #result} reads its outputs as float bits. */
    private record Case(String name, Runnable run, java.util.function.Supplier<int[]> result) {}

    public static void main(String[] args) throws Exception {
        int calls = Integer.parseInt(args[0]);
        List<String> report = new ArrayList<>();
        boolean[] same = {true};
        Thread t = new Thread(() -> same[0] = probe(calls, report), "warmup-probe");
        t.start();
        t.join();
        report.forEach(System.out::println);
        System.exit(same[0] ? 0 : 1);
    }

    private static boolean probe(int calls, List<String> report) {
        try (CpuBackend be = new CpuBackend(1)) {
            List<Case> cases = cases(be);
            int[][] first = new int[cases.size()][];
            // checkpoints: early (interpreter and C1 mixed), then after the whole warm-up (C2)
            int early = Math.min(200, calls);
            boolean same = true;
            for (int call = 1; call <= calls; call++) {
                for (int c = 0; c < cases.size(); c++) {
                    Case k = cases.get(c);
                    k.run.run();
                    if (call == 1) {
                        first[c] = k.result.get();
                    } else if (call == early || call == calls) {
                        int[] now = k.result.get();
                        int differ = 0;
                        for (int i = 0; i < now.length; i++) if (now[i] != first[c][i]) differ++;
                        report.add(k.name + " at call " + call + ": "
                                + (differ == 0 ? "identical" : differ + " of " + now.length + " outputs differ from call 1"));
                        same &= differ == 0;
                    }
                }
            }
            return same;
        }
    }

    private static List<Case> cases(CpuBackend be) {
        Random rnd = new Random(11);
        List<Case> cases = new ArrayList<>();

        // activations: arguments spread over [-12, 12] so both exponential tails are used; 5 x 37 leaves tails
        int rows = 5, cols = 37;
        Tensor x = be.upload(spread(rnd, rows * cols, 12f), rows, cols);
        Tensor dy = be.upload(spread(rnd, rows * cols, 1f), rows, cols);
        Tensor act = be.allocate(rows, cols), dAct = be.allocate(rows, cols);
        cases.add(new Case("gelu", () -> be.gelu(x, act), () -> bits(be, act)));
        cases.add(new Case("silu", () -> be.silu(x, act), () -> bits(be, act)));
        cases.add(new Case("geluBackward", () -> be.geluBackward(x, dy, dAct), () -> bits(be, dAct)));
        cases.add(new Case("siluBackward", () -> be.siluBackward(x, dy, dAct), () -> bits(be, dAct)));

        // normalisations: rows of 70 (full vectors and a tail), values with an offset so the mean matters
        int nRows = 6, d = 70;
        float[] rowData = spread(rnd, nRows * d, 3f);
        for (int i = 0; i < rowData.length; i++) rowData[i] += 0.7f;
        Tensor r = be.upload(rowData, nRows, d);
        Tensor gamma = be.upload(spread(rnd, d, 1f), d), beta = be.upload(spread(rnd, d, 1f), d);
        Tensor dr = be.upload(spread(rnd, nRows * d, 1f), nRows, d);
        Tensor norm = be.allocate(nRows, d), dNorm = be.allocate(nRows, d);
        Tensor dGamma = be.allocate(d), dBeta = be.allocate(d);
        cases.add(new Case("layerNorm", () -> be.layerNorm(r, gamma, beta, 1e-5f, norm), () -> bits(be, norm)));
        cases.add(new Case("rmsNorm", () -> be.rmsNorm(r, gamma, 1e-5f, norm), () -> bits(be, norm)));
        cases.add(new Case("layerNormBackward", () -> {
            be.fill(dGamma, 0f);
            be.fill(dBeta, 0f);
            be.layerNormBackward(r, gamma, 1e-5f, dr, dNorm, dGamma, dBeta);
        }, () -> concat(bits(be, dNorm), bits(be, dGamma), bits(be, dBeta))));
        cases.add(new Case("rmsNormBackward", () -> {
            be.fill(dGamma, 0f);
            be.rmsNormBackward(r, gamma, 1e-5f, dr, dNorm, dGamma);
        }, () -> concat(bits(be, dNorm), bits(be, dGamma))));

        // attention: 2 items x 19 tokens, 2 heads of 12 (a key block shorter than a vector pair, a short head)
        int batch = 2, seq = 19, heads = 2, hd = 12, width = heads * hd, tokens = batch * seq;
        Tensor qkv = be.upload(spread(rnd, tokens * 3 * width, 2f), tokens, 3 * width);
        Tensor q = qkv.colRange(0, width), k = qkv.colRange(width, width), v = qkv.colRange(2 * width, width);
        Tensor att = be.allocate(tokens, width);
        Tensor dAtt = be.upload(spread(rnd, tokens * width, 1f), tokens, width);
        Tensor dq = be.allocate(tokens, width), dk = be.allocate(tokens, width), dv = be.allocate(tokens, width);
        float scale = (float) (1 / Math.sqrt(hd));
        cases.add(new Case("attention", () -> be.attention(q, k, v, batch, seq, heads, scale, att), () -> bits(be, att)));
        cases.add(new Case("attentionBackward", () -> {
            be.attention(q, k, v, batch, seq, heads, scale, att);
            be.attentionBackward(q, k, v, att, dAtt, batch, seq, heads, scale, dq, dk, dv);
        }, () -> concat(bits(be, dq), bits(be, dk), bits(be, dv))));

        // reductions: one block of float lanes summed in the kernel, then in double
        Tensor big = be.upload(spread(rnd, 1999, 5f), 1999);
        double[] scalars = new double[2];
        cases.add(new Case("sum, norm2", () -> {
            scalars[0] = be.sum(big);
            scalars[1] = be.norm2(big);
        }, () -> doubleBits(scalars)));

        // timestep embedding (double math on the caller's thread)
        float[] times = {0f, 0.013f, 0.5f, 0.987f, 1f};
        Tensor emb = be.allocate(times.length, 64);
        cases.add(new Case("timestepEmbedding", () -> be.timestepEmbedding(times, 10_000f, emb), () -> bits(be, emb)));
        return cases;
    }

    private static float[] spread(Random rnd, int n, float range) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (rnd.nextFloat() * 2f - 1f) * range;
        return a;
    }

    private static int[] bits(CpuBackend be, Tensor t) {
        float[] f = new float[Math.toIntExact(t.size())];
        be.download(t, f, 0);
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) b[i] = Float.floatToRawIntBits(f[i]);
        return b;
    }

    private static int[] doubleBits(double[] d) {
        int[] b = new int[2 * d.length];
        for (int i = 0; i < d.length; i++) {
            long l = Double.doubleToRawLongBits(d[i]);
            b[2 * i] = (int) (l >>> 32);
            b[2 * i + 1] = (int) l;
        }
        return b;
    }

    private static int[] concat(int[]... parts) {
        int n = 0;
        for (int[] p : parts) n += p.length;
        int[] all = new int[n];
        int at = 0;
        for (int[] p : parts) {
            System.arraycopy(p, 0, all, at, p.length);
            at += p.length;
        }
        return all;
    }
}
