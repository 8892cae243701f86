package flowscale.runtime.model.t5;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;
import flowscale.runtime.model.text.CheckpointKeys;
import flowscale.runtime.model.text.EncoderFolder;
import flowscale.runtime.model.text.EncoderPlan;
import flowscale.runtime.model.text.WeightBinder;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * T5's encoder stack (transformers {@code T5EncoderModel}) on a backend: token embedding (unscaled), blocks
 * sharing the relative-position bias that block 0 learns, and the final RMS norm. As FLUX calls it, there is
 * no attention mask: padding tokens are attended like any other, so the states match the reference pipeline's.
 * Weights stay in their stored dtype ({@link WeightBinder}); the encoder keeps its checkpoint mapped until
 * {@link #close}, after which it must not be used.
 */
public final class T5Encoder implements AutoCloseable {
    private final EncoderFolder folder;
    private final T5EncoderWeights weights;
    private final List<T5Block> blocks;
    private final Backend backend;
    private int bufferRows = -1, biasSeq = -1;
    private Tensor stream, last, positionBias;
    private T5Block.Buffers buffers;

    private T5Encoder(EncoderFolder folder, T5EncoderWeights weights, Backend backend) {
        this.folder = folder;
        this.weights = weights;
        this.backend = backend;
        List<T5Block> bs = new ArrayList<>();
        for (T5EncoderWeights.Block b : weights.blocks) bs.add(new T5Block(b, weights.config));
        this.blocks = List.copyOf(bs);
    }

    /**
     * Loads the model folder {@code dir} ({@code config.json} + one safetensors file or a sharded index) onto
     * {@code backend}.
     *
     * @throws flowscale.runtime.model.CheckpointException for a folder that is not a loadable T5 encoder, naming
     *         every missing, unexpected or mis-shaped tensor
     */
    public static T5Encoder load(Path dir, Backend backend) {
        return EncoderFolder.load(dir, folder -> new T5Encoder(folder, new T5EncoderWeights(checkedConfig(folder),
                T5EncoderWeights.embeddingKey(folder.tensors()), new WeightBinder(folder.store(), backend)), backend));
    }

    /** Unmaps the checkpoint; the backend's copies of the weights are freed with the backend. */
    @Override
    public void close() {
        folder.close();
    }

    /**
     * The configuration and memory plan of the model folder {@code dir}, with every key checked, from the headers
     * and config.json alone: no tensor data is read.
     */
    public static EncoderPlan<T5EncoderConfig> plan(Path dir) {
        return EncoderFolder.plan(dir, T5Encoder::checkedConfig);
    }

    private static T5EncoderConfig checkedConfig(EncoderFolder folder) {
        T5EncoderConfig config = T5EncoderConfig.infer(folder);
        String embedding = T5EncoderWeights.embeddingKey(folder.tensors());
        CheckpointKeys.requireExactly(folder.source(), T5EncoderWeights.parameters(config, embedding), folder.tensors(),
                T5EncoderWeights.ignorable(embedding));
        return config;
    }

    public T5EncoderConfig config() {
        return weights.config;
    }

    T5EncoderWeights weights() {
        return weights;
    }

    /**
     * The last hidden state {@code [batch, seq, d_model]} (row-major) of {@code ids[batch][seq]} (every row the
     * same length, ids within the vocabulary).
     */
    public synchronized float[] encode(int[][] ids) {
        T5EncoderConfig c = weights.config;
        int batch = ids.length;
        if (batch == 0) throw new IllegalArgumentException("T5 encoder: no sequences to encode");
        int seq = ids[0].length;
        if (seq == 0) throw new IllegalArgumentException("T5 encoder: empty sequences");
        int d = c.dModel(), rows = batch * seq;
        float[] embedded = new float[rows * d];
        for (int b = 0; b < batch; b++) {
            if (ids[b].length != seq) {
                throw new IllegalArgumentException("T5 encoder: sequence " + b + " has " + ids[b].length
                        + " tokens, sequence 0 has " + seq);
            }
            for (int s = 0; s < seq; s++) {
                int id = ids[b][s];
                if (id < 0 || id >= c.vocabSize()) {
                    throw new IllegalArgumentException("T5 encoder: token id " + id + " is outside the vocabulary of "
                            + c.vocabSize());
                }
                weights.sharedWeight.read(id, embedded, (b * seq + s) * d);
            }
        }
        ensureBuffers(rows, seq);
        Tensor x = stream.rowRange(0, rows);
        backend.upload(embedded, 0, x);
        T5Block.Buffers s = buffers.rows(rows);
        for (T5Block block : blocks) block.forward(x, batch, seq, positionBias, s);
        Tensor out = last.rowRange(0, rows);
        backend.rmsNorm(x, weights.encoderFinalLayerNormWeight, c.layerNormEpsilon(), out);
        float[] hidden = new float[rows * d];
        backend.download(out, hidden, 0);
        return hidden;
    }

    /** Buffers for up to {@code rows} rows and the position bias of {@code seq} tokens, made once per new size. */
    private void ensureBuffers(int rows, int seq) {
        T5EncoderConfig c = weights.config;
        if (rows > bufferRows) {
            stream = backend.allocate(rows, c.dModel());
            last = backend.allocate(rows, c.dModel());
            buffers = T5Block.Buffers.allocate(backend, rows, c);
            bufferRows = rows;
        }
        if (seq != biasSeq) {
            float[] bias = RelativePositionBuckets.bias(weights.relativeAttentionBias, c.numHeads(), seq,
                    c.relativeAttentionNumBuckets(), c.relativeAttentionMaxDistance());
            positionBias = backend.upload(bias, (long) c.numHeads() * seq, seq);
            biasSeq = seq;
        }
    }
}
