package flowscale.kernels.conformance;

import java.util.List;

/**
 * modulate, gatedAdd and addBroadcastRows. The per-item vectors (shift, scale, gate) are column chunks of
 * one {@code [B, 6d]} matrix, exactly as the adaLN projection of a DiT block hands them over.
 */
final class AdaLnChecks {
    private AdaLnChecks() {}

    static List<OpCheck> all() {
        return List.of(
                new OpCheck("modulate", Tolerances.ELEMENTWISE, AdaLnChecks::modulate),
                new OpCheck("gatedAdd", Tolerances.ELEMENTWISE, AdaLnChecks::gatedAdd),
                new OpCheck("addBroadcastRows", Tolerances.ELEMENTWISE, AdaLnChecks::addBroadcastRows));
    }

    /** (items, tokens per item, width) triples. */
    private static int[][] shapes(boolean quick) {
        if (quick) return new int[][] {{1, 1, 1}, {2, 5, 33}, {3, 64, 256}};
        return new int[][] {
            {1, 1, 1}, {1, 5, 7}, {2, 1, 17}, {2, 5, 33}, {3, 3, 65}, {1, 64, 129}, {3, 64, 256}, {2, 7, 127},
        };
    }

    private static void modulate(Harness h) {
        int i = 0;
        for (int[] s : shapes(h.quick)) {
            int items = s[0], tokens = s[1], d = s[2];
            boolean inPlace = i++ % 2 == 1;
            Pair x = h.matrix(items * tokens, d);
            Pair ada = h.matrix(items, 6 * d);
            Pair shift = ada.colRange(0, d);
            Pair scale = ada.colRange(d, d);
            Pair out = inPlace ? x : h.matrix(items * tokens, d);
            String label = "B=" + items + " T=" + tokens + " d=" + d + (inPlace ? " in place" : "")
                    + ", x " + x.layout() + ", shift " + shift.layout();
            h.check(label, b -> b.modulate(x.on(b), shift.on(b), scale.on(b), tokens, out.on(b)), out);
        }
    }

    private static void gatedAdd(Harness h) {
        for (int[] s : shapes(h.quick)) {
            int items = s[0], tokens = s[1], d = s[2];
            Pair residual = h.matrix(items * tokens, d);
            Pair y = h.matrix(items * tokens, d);
            Pair gate = h.matrix(items, 6 * d).colRange(2 * d, d);
            String label = "B=" + items + " T=" + tokens + " d=" + d + ", residual " + residual.layout()
                    + ", gate " + gate.layout();
            h.check(label, b -> b.gatedAdd(residual.on(b), y.on(b), gate.on(b), tokens), residual);
        }
    }

    /** (rows, period, width): position tables (period = tokens) and bias rows (period 1), also ragged. */
    private static int[][] broadcastShapes(boolean quick) {
        if (quick) return new int[][] {{1, 1, 1}, {7, 3, 5}, {128, 64, 256}};
        return new int[][] {{1, 1, 1}, {7, 3, 5}, {5, 1, 17}, {64, 64, 256}, {128, 64, 33}, {130, 64, 7}, {33, 33, 129}};
    }

    private static void addBroadcastRows(Harness h) {
        int i = 0;
        for (int[] s : broadcastShapes(h.quick)) {
            int rows = s[0], period = s[1], d = s[2];
            boolean inPlace = i++ % 2 == 1;
            Pair x = h.matrix(rows, d);
            Pair y = h.matrix(period, d);
            Pair out = inPlace ? x : h.matrix(rows, d);
            String label = "x " + Harness.shape(rows, d) + " y " + Harness.shape(period, d) + (inPlace ? " in place" : "")
                    + ", x " + x.layout() + ", y " + y.layout();
            h.check(label, b -> b.addBroadcastRows(x.on(b), y.on(b), out.on(b)), out);
        }
    }
}
