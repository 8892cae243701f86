package flowscale.runtime.model.clip;

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
 * CLIP's text transformer (transformers {@code CLIPTextModel}) on a backend: token plus position embeddings,
 * pre-LN layers with causal attention, a final LayerNorm, and the pooled output at the end token. The token
 * lookup is done on the host; everything after it runs on the backend's kernels. Weights stay in their stored
 * dtype ({@link WeightBinder}); the encoder keeps its checkpoint mapped until {@link #close}, after which it
 * must not be used.
 */
public final class ClipTextEncoder implements AutoCloseable {
    private final EncoderFolder folder;
    private final ClipTextWeights weights;
    private final List<ClipEncoderLayer> layers;
    private final Backend backend;
    private int bufferRows = -1;
    private Tensor stream, last;
    private ClipEncoderLayer.Buffers buffers;

    private ClipTextEncoder(EncoderFolder folder, ClipTextWeights weights, Backend backend) {
        this.folder = folder;
        this.weights = weights;
        this.backend = backend;
        List<ClipEncoderLayer> ls = new ArrayList<>();
        for (ClipTextWeights.Layer l : weights.layers) ls.add(new ClipEncoderLayer(l, weights.config));
        this.layers = List.copyOf(ls);
    }

    /**
     * Loads the model folder {@code dir} ({@code config.json} + safetensors) onto {@code backend}.
     *
     * @throws flowscale.runtime.model.CheckpointException for a folder that is not a loadable CLIP text model,
     *         naming every missing, unexpected or mis-shaped tensor
     */
    public static ClipTextEncoder load(Path dir, Backend backend) {
        return EncoderFolder.load(dir, folder -> new ClipTextEncoder(folder,
                new ClipTextWeights(checkedConfig(folder), new WeightBinder(folder.store(), backend)), backend));
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
    public static EncoderPlan<ClipTextConfig> plan(Path dir) {
        return EncoderFolder.plan(dir, ClipTextEncoder::checkedConfig);
    }

    private static ClipTextConfig checkedConfig(EncoderFolder folder) {
        ClipTextConfig config = ClipTextConfig.infer(folder);
        CheckpointKeys.requireExactly(folder.source(), ClipTextWeights.parameters(config), folder.tensors(),
                ClipTextWeights.ignorable(config));
        return config;
    }

    public ClipTextConfig config() {
        return weights.config;
    }

    ClipTextWeights weights() {
        return weights;
    }

    /**
     * Encodes {@code ids[batch][seq]} (every row the same length, at most the model's positions, ids within the
     * vocabulary).
     */
    public synchronized ClipTextOutput encode(int[][] ids) {
        ClipTextConfig c = weights.config;
        int batch = ids.length;
        if (batch == 0) throw new IllegalArgumentException("CLIP text encoder: no sequences to encode");
        int seq = ids[0].length;
        if (seq == 0 || seq > c.maxPositions()) {
            throw new IllegalArgumentException("CLIP text encoder: sequences of " + seq + " tokens; it takes 1 to "
                    + c.maxPositions());
        }
        int d = c.hiddenSize(), rows = batch * seq;
        float[] embedded = new float[rows * d];
        float[] position = new float[d];
        for (int b = 0; b < batch; b++) {
            if (ids[b].length != seq) {
                throw new IllegalArgumentException("CLIP text encoder: sequence " + b + " has " + ids[b].length
                        + " tokens, sequence 0 has " + seq);
            }
            for (int s = 0; s < seq; s++) {
                int id = ids[b][s];
                if (id < 0 || id >= c.vocabSize()) {
                    throw new IllegalArgumentException("CLIP text encoder: token id " + id + " is outside the vocabulary of "
                            + c.vocabSize());
                }
                int o = (b * seq + s) * d;
                weights.embeddingsTokenEmbedding.read(id, embedded, o);
                weights.embeddingsPositionEmbedding.read(s, position, 0);
                for (int j = 0; j < d; j++) embedded[o + j] += position[j];
            }
        }
        ensureBuffers(rows);
        Tensor x = stream.rowRange(0, rows);
        backend.upload(embedded, 0, x);
        ClipEncoderLayer.Buffers s = view(rows);
        float[] penultimate = layers.size() == 1 ? embedded.clone() : null;
        for (int i = 0; i < layers.size(); i++) {
            layers.get(i).forward(x, batch, seq, s);
            if (i == layers.size() - 2) {
                penultimate = new float[rows * d];
                backend.download(x, penultimate, 0);
            }
        }
        Tensor out = last.rowRange(0, rows);
        backend.layerNorm(x, weights.finalLayerNormWeight, weights.finalLayerNormBias, c.layerNormEps(), out);
        float[] lastHidden = new float[rows * d];
        backend.download(out, lastHidden, 0);
        float[] pooled = new float[batch * d];
        int[] positions = new int[batch];
        for (int b = 0; b < batch; b++) {
            positions[b] = poolPosition(ids[b], c);
            System.arraycopy(lastHidden, (b * seq + positions[b]) * d, pooled, b * d, d);
        }
        return new ClipTextOutput(batch, seq, d, lastHidden, penultimate, pooled, positions);
    }

    /**
     * transformers' rule: configs with the legacy {@code eos_token_id} 2 pool at the largest id (the end token is
     * the vocabulary's last entry; the first of equal maxima wins), others at the first end token (position 0
     * when there is none).
     */
    static int poolPosition(int[] ids, ClipTextConfig c) {
        int best = 0;
        for (int s = 1; s < ids.length; s++) {
            if (c.poolsAtLargestId() ? ids[s] > ids[best] : ids[best] != c.eosTokenId() && ids[s] == c.eosTokenId()) {
                best = s;
            }
        }
        return best;
    }

    /** Buffers for up to {@code rows} rows, allocated when a larger batch first arrives and reused after. */
    private void ensureBuffers(int rows) {
        if (rows <= bufferRows) return;
        ClipTextConfig c = weights.config;
        stream = backend.allocate(rows, c.hiddenSize());
        last = backend.allocate(rows, c.hiddenSize());
        buffers = ClipEncoderLayer.Buffers.allocate(backend, rows, c);
        bufferRows = rows;
    }

    private ClipEncoderLayer.Buffers view(int rows) {
        ClipEncoderLayer.Buffers b = buffers;
        return new ClipEncoderLayer.Buffers(b.norm().rowRange(0, rows), b.q().rowRange(0, rows), b.k().rowRange(0, rows),
                b.v().rowRange(0, rows), b.attention().rowRange(0, rows), b.projected().rowRange(0, rows),
                b.mlp().rowRange(0, rows));
    }
}
