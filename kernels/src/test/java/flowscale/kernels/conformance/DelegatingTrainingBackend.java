package flowscale.kernels.conformance;

import flowscale.kernels.Tensor;
import flowscale.kernels.TrainingBackend;

/** A training backend that forwards every op to another; tests override single ops to break them. */
class DelegatingTrainingBackend extends DelegatingBackend implements TrainingBackend {
    protected final TrainingBackend training;

    DelegatingTrainingBackend(TrainingBackend inner) {
        super(inner);
        this.training = inner;
    }

    @Override public void sumRows(Tensor dy, Tensor out, boolean accumulate) { training.sumRows(dy, out, accumulate); }

    @Override
    public void addBroadcastRowsBackward(Tensor dout, Tensor dyTable, boolean accumulate) {
        training.addBroadcastRowsBackward(dout, dyTable, accumulate);
    }

    @Override
    public void layerNormBackward(Tensor x, Tensor gamma, float eps, Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta) {
        training.layerNormBackward(x, gamma, eps, dy, dx, dgamma, dbeta);
    }

    @Override
    public void rmsNormBackward(Tensor x, Tensor gamma, float eps, Tensor dy, Tensor dx, Tensor dgamma) {
        training.rmsNormBackward(x, gamma, eps, dy, dx, dgamma);
    }

    @Override public void geluBackward(Tensor x, Tensor dy, Tensor dx) { training.geluBackward(x, dy, dx); }
    @Override public void siluBackward(Tensor x, Tensor dy, Tensor dx) { training.siluBackward(x, dy, dx); }

    @Override
    public void modulateBackward(Tensor x, Tensor scale, Tensor dy, int tokensPerItem, Tensor dx, Tensor dshift, Tensor dscale) {
        training.modulateBackward(x, scale, dy, tokensPerItem, dx, dshift, dscale);
    }

    @Override
    public void gatedAddBackward(Tensor y, Tensor gate, Tensor dres, int tokensPerItem, Tensor dy, Tensor dgate) {
        training.gatedAddBackward(y, gate, dres, tokensPerItem, dy, dgate);
    }

    @Override
    public void attentionBackward(Tensor q, Tensor k, Tensor v, Tensor out, Tensor dout, int batch, int seq, int heads,
                                  float scale, Tensor dq, Tensor dk, Tensor dv) {
        training.attentionBackward(q, k, v, out, dout, batch, seq, heads, scale, dq, dk, dv);
    }

    @Override public void embedding(int[] ids, Tensor table, Tensor out) { training.embedding(ids, table, out); }
    @Override public void embeddingBackward(int[] ids, Tensor dy, Tensor dTable) { training.embeddingBackward(ids, dy, dTable); }

    @Override
    public void adamw(Tensor param, Tensor grad, Tensor m, Tensor v, float lr, float beta1, float beta2, float eps,
                      float weightDecay, long step) {
        training.adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step);
    }

    @Override public void scale(Tensor x, float alpha) { training.scale(x, alpha); }
}
