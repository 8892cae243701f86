package flowscale.runtime.model;

/**
 * A model seen without its device path and its devices ({@link VelocityModel#device()} and {@link VelocityModel#shards()}
 * null): a search on it keeps its particles in host arrays and every model call takes the latents up and the outputs
 * down, as searches did before particles lived on the device. For comparisons (tests, {@code DeviceTrafficProbe});
 * the calls and the NFE count are the wrapped model's.
 */
public record HostPath(VelocityModel inner) implements VelocityModel {
    @Override public int dim() { return inner.dim(); }
    @Override public int[] shape() { return inner.shape(); }
    @Override public int maxBatch() { return inner.maxBatch(); }
    @Override public boolean takesStepSize() { return inner.takesStepSize(); }
    @Override public int nfePerLatent() { return inner.nfePerLatent(); }
    @Override public long nfe() { return inner.nfe(); }
    @Override public void resetNfe() { inner.resetNfe(); }

    @Override
    public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
        inner.velocity(n, x, t, cond, out);
    }

    @Override
    public void velocity(int n, float[][] x, double[] t, double[] d, Condition[] cond, float[][] out) {
        inner.velocity(n, x, t, d, cond, out);
    }
}
