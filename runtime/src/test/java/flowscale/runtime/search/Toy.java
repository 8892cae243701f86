package flowscale.runtime.search;

import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.GaussianMixtureModel;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.reward.TargetModeReward;

import java.util.function.ToDoubleFunction;

/** Shared fixtures: the toy GMM, its mode reward, stub rewards and a sub-batching model wrapper. */
final class Toy {
    private Toy() {}

    static GaussianMixtureModel gmm() {
        return GaussianMixtureModel.separated();
    }

    /** Prefers the rarest mode (index 5). */
    static TargetModeReward modeReward(GaussianMixtureModel m) {
        return new TargetModeReward(5, m.means()[5]);
    }

    static SearchProblem problem(String sampler, long budget, long seed) {
        GaussianMixtureModel m = gmm();
        return new SearchProblem(m, Sampler.named(sampler), modeReward(m), budget, seed);
    }

    static SearchProblem problem(VelocityModel model, String sampler, Reward reward, long budget, long seed) {
        return new SearchProblem(model, Sampler.named(sampler), reward, budget, seed);
    }

    static SearchResult run(String method, SearchConfig cfg, SearchProblem p) {
        return SearchMethods.create(method, cfg).run(p);
    }

    /** A reward computed from the latent alone. */
    static Reward reward(String name, ToDoubleFunction<float[]> f) {
        return new Reward() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public void score(int n, float[][] x0, Condition[] cond, double[] scores) {
                for (int i = 0; i < n; i++) scores[i] = f.applyAsDouble(x0[i]);
            }
        };
    }

    /** Every latent scored gets a higher reward than all before it. */
    static Reward alwaysImproving() {
        return new Reward() {
            private long calls;

            @Override
            public String name() {
                return "increasing";
            }

            @Override
            public void score(int n, float[][] x0, Condition[] cond, double[] scores) {
                for (int i = 0; i < n; i++) scores[i] = ++calls;
            }
        };
    }

    /** Scores by batch: {@code script.at(batch, i)} for latent i of the batch-th call (0-based). */
    interface Script {
        double at(int batch, int i);
    }

    static Reward scripted(Script script) {
        return new Reward() {
            private int batch;

            @Override
            public String name() {
                return "scripted";
            }

            @Override
            public void score(int n, float[][] x0, Condition[] cond, double[] scores) {
                for (int i = 0; i < n; i++) scores[i] = script.at(batch, i);
                batch++;
            }
        };
    }

    /** Evaluates a batch one latent at a time (same NFE), to show batching never changes results. */
    static VelocityModel oneAtATime(VelocityModel inner) {
        return new VelocityModel() {
            @Override
            public int dim() {
                return inner.dim();
            }

            @Override
            public int[] shape() {
                return inner.shape();
            }

            @Override
            public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
                for (int i = 0; i < n; i++) {
                    inner.velocity(1, new float[][] {x[i]}, new double[] {t[i]}, new Condition[] {cond[i]}, new float[][] {out[i]});
                }
            }

            @Override
            public int nfePerLatent() {
                return inner.nfePerLatent();
            }

            @Override
            public long nfe() {
                return inner.nfe();
            }

            @Override
            public void resetNfe() {
                inner.resetNfe();
            }
        };
    }

    /** Candidates evaluated per chain and level (excluding RBF's initial pre-selection). */
    static int[] candidatesPerLevel(Trace t, int chain, int levels) {
        int[] c = new int[levels];
        for (LevelRecord r : t.levels()) {
            if (r.chain() == chain && r.reason() != LevelRecord.Reason.INITIAL_BEST) c[r.level()] += r.candidates();
        }
        return c;
    }
}
