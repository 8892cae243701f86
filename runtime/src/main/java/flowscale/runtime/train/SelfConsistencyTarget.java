package flowscale.runtime.train;

import flowscale.runtime.model.Condition;

/**
 * The shortcut model's self-consistency target (Frans et al. 2024): for an item at time t trained at step size
 * {@code d = 2h}, two half steps of the current model make the target of one full step,
 * <pre>
 *   s1 = s(x_t, t, h),  x' = x_t - h s1,  s2 = s(x', t - h, h),  target = (s1 + s2) / 2
 * </pre>
 * so that {@code x_t - 2h target} is where the two half steps land. The half steps run forward only on a model of
 * the self-consistency items' batch size that shares the trainer's parameters: no gradient flows through the target.
 * At the finest level ({@code h < 1/shortcutSteps}) the half steps use d = 0, the flow-matching velocity, which ties
 * every coarser level to it.
 */
final class SelfConsistencyTarget {
    private final TrainableDiT halfSteps;
    private final double finestStep;
    private final int items, floats;
    private final float[] x, s1, s2;
    private final double[] t, h;
    private final Condition[] cond;

    /** @param halfSteps a forward-only model over the trainer's parameters, its batch the self-consistency items */
    SelfConsistencyTarget(TrainableDiT halfSteps, int shortcutSteps) {
        this.halfSteps = halfSteps;
        this.finestStep = 1.0 / shortcutSteps;
        this.items = halfSteps.batchSize();
        this.floats = halfSteps.parameters().config().imageFloats();
        this.x = new float[items * floats];
        this.s1 = new float[items * floats];
        this.s2 = new float[items * floats];
        this.t = new double[items];
        this.h = new double[items];
        this.cond = new Condition[items];
    }

    /** The step size the half steps are taken at: h itself, or 0 below the finest trained step. */
    static double halfStepInput(double h, double finestStep) {
        return h < finestStep ? 0.0 : h;
    }

    /** Replaces the targets of the batch's last {@code items} items by their self-consistency targets. */
    void fill(TrainingBatch batch) {
        int first = batch.t().length - items;
        double[] dIn = new double[items];
        for (int i = 0; i < items; i++) {
            int item = first + i;
            h[i] = batch.d()[item] / 2;
            if (!(h[i] > 0)) throw new IllegalArgumentException("self-consistency item " + item + " has step size " + batch.d()[item]);
            t[i] = batch.t()[item];
            cond[i] = batch.cond()[item];
            dIn[i] = halfStepInput(h[i], finestStep);
        }
        System.arraycopy(batch.xt(), first * floats, x, 0, items * floats);
        halfSteps.output(x, t, dIn, cond, s1);
        for (int i = 0; i < items; i++) {
            for (int k = i * floats; k < (i + 1) * floats; k++) x[k] = (float) (x[k] - h[i] * s1[k]);
            t[i] -= h[i];
        }
        halfSteps.output(x, t, dIn, cond, s2);
        float[] target = batch.target();
        for (int k = 0; k < items * floats; k++) target[first * floats + k] = (float) (0.5 * ((double) s1[k] + s2[k]));
    }
}
