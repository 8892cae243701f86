package flowscale.runtime.flow;

import flowscale.runtime.model.Condition;
import flowscale.runtime.model.VelocityModel;

import java.util.ArrayList;
import java.util.List;

/** Wraps a model and records every batched call (its size and times) for the tests. */
final class CountingModel implements VelocityModel {
    final VelocityModel inner;
    final List<double[]> calls = new ArrayList<>();

    CountingModel(VelocityModel inner) {
        this.inner = inner;
    }

    @Override public int dim() { return inner.dim(); }
    @Override public int[] shape() { return inner.shape(); }
    @Override public int nfePerLatent() { return inner.nfePerLatent(); }
    @Override public long nfe() { return inner.nfe(); }
    @Override public void resetNfe() { inner.resetNfe(); }

    @Override
    public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
        double[] copy = new double[n];
        System.arraycopy(t, 0, copy, 0, n);
        calls.add(copy);
        inner.velocity(n, x, t, cond, out);
    }
}
