package flowscale.runtime.report;

import flowscale.runtime.search.LevelRecord;
import flowscale.runtime.search.Trace;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** What the report plots, derived from a search's {@link Trace}: the best reward over NFE and a tally per level. */
public final class TraceFigures {
    private TraceFigures() {}

    /** Best finite reward among the candidates decided so far, at the NFE of each decision (a staircase). */
    public record Curve(double[] nfe, double[] best) {
        public int size() {
            return nfe.length;
        }
    }

    /**
     * Decisions of one level: how many candidates were judged there, how many were accepted (taken, kept or
     * surviving a resampling) and rejected, how many were non-finite, and the reasons given.
     *
     * @param label {@code init} for Rollover Budget Forcing's initial pre-selection, otherwise the level number
     */
    public record LevelTally(String label, int decisions, int candidates, int accepted, int nonFinite,
                             Map<String, Integer> reasons) {
        public int rejected() {
            return candidates - accepted;
        }
    }

    public static Curve bestRewardByNfe(Trace t) {
        List<LevelRecord> records = new ArrayList<>(t.levels());
        records.sort(Comparator.comparingLong(LevelRecord::nfe));
        List<double[]> points = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (LevelRecord r : records) {
            for (double v : r.rewards()) if (Double.isFinite(v) && v > best) best = v;
            if (!Double.isFinite(best)) continue;
            if (!points.isEmpty() && points.getLast()[0] == r.nfe()) points.getLast()[1] = best;
            else points.add(new double[] {r.nfe(), best});
        }
        if (!points.isEmpty() && points.getLast()[0] < t.nfe()) points.add(new double[] {t.nfe(), best});
        double[] x = new double[points.size()], y = new double[points.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = points.get(i)[0];
            y[i] = points.get(i)[1];
        }
        return new Curve(x, y);
    }

    /** One tally per level, {@code init} first, then levels in increasing order. */
    public static List<LevelTally> levels(Trace t) {
        Map<Integer, List<LevelRecord>> byLevel = new TreeMap<>();
        for (LevelRecord r : t.levels()) {
            int key = r.reason() == LevelRecord.Reason.INITIAL_BEST ? -1 : r.level();
            byLevel.computeIfAbsent(key, k -> new ArrayList<>()).add(r);
        }
        List<LevelTally> out = new ArrayList<>();
        for (Map.Entry<Integer, List<LevelRecord>> e : byLevel.entrySet()) {
            int candidates = 0, accepted = 0, nonFinite = 0;
            Map<String, Integer> reasons = new LinkedHashMap<>();
            for (LevelRecord r : e.getValue()) {
                candidates += r.candidates();
                accepted += accepted(r);
                nonFinite += r.nonFinite();
                reasons.merge(reasonName(r.reason()), 1, Integer::sum);
            }
            String label = e.getKey() < 0 ? "init" : Integer.toString(e.getKey());
            out.add(new LevelTally(label, e.getValue().size(), candidates, accepted, nonFinite, reasons));
        }
        return out;
    }

    /** Candidates a decision let through: SMC's surviving ancestors, all when it kept them, else the one taken. */
    static int accepted(LevelRecord r) {
        int[] ancestors = r.ancestors();
        if (ancestors != null) {
            Set<Integer> distinct = new HashSet<>();
            for (int a : ancestors) distinct.add(a);
            return Math.min(distinct.size(), r.candidates());
        }
        if (r.reason() == LevelRecord.Reason.KEPT) return r.candidates() - r.nonFinite();
        return r.accepted() >= 0 ? 1 : 0;
    }

    static String reasonName(LevelRecord.Reason reason) {
        return reason.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
}
