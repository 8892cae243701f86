package flowscale.runtime.application;

import flowscale.runtime.UserError;
import flowscale.runtime.model.AnalyticModel;
import flowscale.runtime.model.AnalyticModels;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.model.GaussianModel;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.report.ScatterPlot;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.reward.TargetModeReward;
import flowscale.runtime.search.Candidate;
import flowscale.runtime.search.SearchResult;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The analytic toy models ({@code toy:gaussian}, {@code toy:gmm}). Reward {@code mode} (default) prefers the
 * rarest mode: {@code r = −‖x̂₀ − μ_k‖}; {@code mode:K} targets mode K. Output: {@code particles.png}, a
 * scatter plot of data samples, the mode centres, the final candidates and the best sample.
 */
final class ToyModelSource implements ModelSource {
    @Override
    public boolean accepts(String spec) {
        return spec.startsWith("toy:");
    }

    @Override
    public String describe() {
        return String.join(", ", AnalyticModels.names());
    }

    @Override
    public LoadedModel open(String spec, ModelOptions options) {
        if (options.guidanceScale() != 1.0) {
            throw new UserError("--cfg applies to image models; " + spec + " has no condition to guide");
        }
        options.flux().refuseFor(spec);
        if (options.multiDevice()) {
            throw new UserError("--devices applies to image models; " + spec + " runs on the host");
        }
        AnalyticModel m;
        try {
            m = AnalyticModels.named(spec);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
        return new Toy(spec, m);
    }

    private static final class Toy implements LoadedModel {
        private final String spec;
        private final AnalyticModel model;
        private final double[][] centres;
        private final double[] weights;

        Toy(String spec, AnalyticModel model) {
            this.spec = spec;
            this.model = model;
            if (model instanceof GaussianMixtureModel g) {
                centres = g.means();
                weights = g.weights();
            } else if (model instanceof GaussianModel g) {
                centres = new double[][] {g.mean()};
                weights = new double[] {1.0};
            } else {
                centres = new double[][] {model.dataMean()};
                weights = new double[] {1.0};
            }
        }

        @Override
        public VelocityModel model() {
            return model;
        }

        @Override
        public String kind() {
            return "toy-" + model.dim() + "d";
        }

        @Override
        public Condition condition(String prompt) {
            return Condition.NONE;
        }

        @Override
        public String defaultReward() {
            return "mode";
        }

        @Override
        public List<String> rewardNames() {
            return List.of("mode", "mode:K (K = 0.." + (centres.length - 1) + ")");
        }

        @Override
        public Reward reward(String name) {
            int k;
            if (name.equals("mode")) {
                k = 0;
                for (int i = 1; i < weights.length; i++) if (weights[i] < weights[k]) k = i;
            } else if (name.startsWith("mode:")) {
                try {
                    k = Integer.parseInt(name.substring(5));
                } catch (NumberFormatException e) {
                    throw new UserError("reward '" + name + "': mode index must be an integer");
                }
                if (k < 0 || k >= centres.length) {
                    throw new UserError("reward '" + name + "': " + spec + " has modes 0.." + (centres.length - 1));
                }
            } else {
                throw new UserError("unknown reward '" + name + "' for " + spec + "; known: " + String.join(", ", rewardNames()));
            }
            return new TargetModeReward(k, centres[k]);
        }

        @Override
        public List<String> writeOutputs(Path dir, SearchResult result, Reward reward, RunInfo run) throws IOException {
            int n = 2000;
            float[][] data = new float[n][model.dim()];
            model.sampleData(run.seed(), n, data);
            List<float[]> centresF = new ArrayList<>();
            for (double[] c : centres) centresF.add(toFloat(c));
            List<float[]> finals = new ArrayList<>();
            for (Candidate c : result.finalCandidates()) finals.add(c.x0());
            List<float[]> target = new ArrayList<>();
            if (reward instanceof TargetModeReward t) target.add(toFloat(t.centre()));
            ScatterPlot plot = new ScatterPlot(640, result.trace().method() + " / " + result.trace().sampler()
                    + ", " + result.trace().nfe() + " NFE, best reward " + String.format("%.4f", result.bestReward()));
            plot.dots("data samples", List.of(data), new Color(190, 190, 190), 1.5)
                    .crosses("mode centres", centresF, new Color(90, 90, 90), 5)
                    .crosses("target mode", target, new Color(0, 150, 0), 8)
                    .dots("final candidates", finals, new Color(40, 90, 220), 4);
            if (result.found()) plot.dots("best", List.of(result.best()), new Color(220, 30, 30), 6);
            plot.write(dir.resolve("particles.png"));
            return List.of("particles.png");
        }

        private static float[] toFloat(double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            return f;
        }
    }
}
