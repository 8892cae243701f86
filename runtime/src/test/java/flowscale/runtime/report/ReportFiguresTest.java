package flowscale.runtime.report;

import flowscale.runtime.search.LevelRecord;
import flowscale.runtime.search.LevelRecord.Reason;
import flowscale.runtime.search.Timings;
import flowscale.runtime.search.Trace;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the report derives from a trace, and the SVG and HTML pieces it is drawn with. */
class ReportFiguresTest {
    static final double NEG = Double.NEGATIVE_INFINITY;

    static Trace trace(List<LevelRecord> levels) {
        return new Trace("rbf", "vp-sde", "counting", 100, 98, 98, 0, 0, 4, -1, 1, Map.of("chains", 2), levels,
                new Timings(1_000_000_000L, 700_000_000L, 200_000_000L), true);
    }

    @Test
    void theCurveIsTheRunningBestAtEachDecision() {
        Trace t = trace(List.of(
                LevelRecord.choice(0, 0, 1, new double[] {-3, -2, NEG}, 1, Reason.INITIAL_BEST, 50, 50, 1),
                LevelRecord.choice(0, 1, 1, new double[] {-4}, 0, Reason.INITIAL_BEST, 50, 50, 0),
                LevelRecord.choice(0, 0, 0.9, new double[] {-3, -1}, 1, Reason.IMPROVED, 60, 60, 0),
                LevelRecord.choice(1, 0, 0.8, new double[] {-5}, 0, Reason.QUOTA_EXHAUSTED, 80, 80, 0)));
        TraceFigures.Curve c = TraceFigures.bestRewardByNfe(t);
        assertArrayEquals(new double[] {50, 60, 80, 98}, c.nfe());
        assertArrayEquals(new double[] {-2, -1, -1, -1}, c.best());
    }

    @Test
    void levelsTallyAcceptedAndRejectedWithInitFirst() {
        Trace t = trace(List.of(
                LevelRecord.choice(0, 0, 1, new double[] {-3, -2, NEG}, 1, Reason.INITIAL_BEST, 50, 50, 1),
                LevelRecord.choice(1, 0, 0.8, new double[] {-5, -4}, 1, Reason.QUOTA_EXHAUSTED, 80, 80, 0),
                LevelRecord.choice(0, 0, 0.9, new double[] {-3, -1}, 1, Reason.IMPROVED, 60, 60, 0),
                LevelRecord.choice(0, 1, 0.9, new double[] {NEG, NEG}, -1, Reason.LEVEL_REPEATED, 62, 62, 2),
                new LevelRecord(2, -1, 0.5, new double[] {-1, -2, -3, -4}, -1, Reason.RESAMPLED, 90, 90, 0, 2.5,
                        new int[] {0, 0, 1, 0}),
                new LevelRecord(3, -1, 0.4, new double[] {-1, -2, -3}, -1, Reason.KEPT, 95, 95, 0, 3, null)));
        List<TraceFigures.LevelTally> l = TraceFigures.levels(t);
        assertEquals(List.of("init", "0", "1", "2", "3"), l.stream().map(TraceFigures.LevelTally::label).toList());
        assertEquals(3, l.get(0).candidates());
        assertEquals(1, l.get(0).accepted());
        assertEquals(1, l.get(0).nonFinite());
        assertEquals(4, l.get(1).candidates());
        assertEquals(1, l.get(1).accepted(), "a repeated level accepts nothing");
        assertEquals(3, l.get(1).rejected());
        assertEquals(Map.of("improved", 1, "level-repeated", 1), l.get(1).reasons());
        assertEquals(2, l.get(3).accepted(), "resampling: the distinct ancestors survive");
        assertEquals(3, l.get(4).accepted(), "kept: all survive");
    }

    @Test
    void ticksAreNiceAndWholeForCounts() {
        Ticks t = Ticks.covering(3, 497, 6);
        assertEquals(0, t.lo());
        assertEquals(500, t.hi());
        assertEquals(100, t.step());
        Ticks c = Ticks.covering(-2, -2, 5, true);
        assertTrue(c.lo() < -2 && c.hi() > -2 && c.step() == 1, c.toString());
        Ticks small = Ticks.covering(-1, 0, 5, true);
        assertEquals(1, small.step());
    }

    @Test
    void piecesAreInlineSvgWithEscapedText() {
        String plot = new SvgPlot("NFE", "a<b").series("s&t", new double[] {0, 10}, new double[] {1, 2}, "#000", true)
                .reference("chosen", 1.5, "#f00").xRange(0, 20).render(400, 200);
        assertTrue(plot.startsWith("<svg"));
        assertTrue(plot.contains("a&lt;b") && plot.contains("s&amp;t"));
        assertFalse(plot.contains("http"));
        String bars = new SvgBarChart(List.of("init", "0"), "level", "n").segment("a", "#0f0", new double[] {1, 2})
                .segment("r", "#999", new double[] {3, 0}).barLabels(List.of("1 / 4", "2 / 2")).render(300, 200);
        assertTrue(bars.contains("1 / 4"));
        String share = new SvgShareBar().part("model", 3, "3 ms", "#00f").part("reward", 1, "1 ms", "#f80").render(400);
        assertTrue(share.contains("75.0%"));
        assertEquals("-2", Html.num(-2.0));
        assertEquals("0.125", Html.num(0.125));
        assertEquals("1.50 s", Html.millis(1_500_000_000L));
    }
}
