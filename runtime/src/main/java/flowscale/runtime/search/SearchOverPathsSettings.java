package flowscale.runtime.search;

import java.util.ArrayList;
import java.util.List;

/**
 * Settings of Search over Paths ({@code sop}, {@link SearchOverPaths}); times on the 0..1000 scale of the sampler's
 * own time. Each round must move towards data, so {@code backward > forward}.
 */
public record SearchOverPathsSettings(
        @Setting(value = "2", help = "survivors (parents)") int n,
        @Setting(value = "5", help = "children per parent and round") int k,
        @Setting(value = "4", help = "Euler sub-steps per ODE solve") int odeSteps,
        @Setting(value = "780", min = 0, minOpen = true, max = 1000, help = "noising per round, 0..1000 time") double forward,
        @Setting(value = "810", min = 0, minOpen = true, max = 1000, help = "denoising per round, 0..1000 time") double backward,
        @Setting(value = "120", min = 0.001, max = 1000, maxOpen = true, help = "time the first ODE solve stops at") double seedT) {

    public SearchOverPathsSettings {
        if (!(backward > forward)) {
            throw new IllegalArgumentException("sop needs backward > forward (each round must move towards data), got "
                    + backward + " <= " + forward);
        }
    }

    /** The time each round ends at, on the 0..1000 scale: max(min(t + forward, 1000) − backward, 0) from seed-t until 0. */
    double[] roundTargets() {
        List<Double> targets = new ArrayList<>();
        double t = seedT;
        while (t > 0) {
            double up = Math.min(t + forward, 1000);
            t = Math.max(up - backward, 0);
            targets.add(t);
        }
        double[] out = new double[targets.size()];
        for (int i = 0; i < out.length; i++) out[i] = targets.get(i);
        return out;
    }
}
