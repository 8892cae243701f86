package flowscale.runtime.model;

import flowscale.kernels.Backend;
import flowscale.kernels.Tensor;

import java.nio.file.Path;
import java.util.Map;

/**
 * The DiT velocity model on a {@link Backend}: patch embedding with a fixed 2-D sin-cos position
 * table, timestep and pooled-condition embeddings summed into {@code c}, adaLN-Zero blocks over the
 * joint sequence [G condition tokens, T image tokens], and a final layer on the image tokens.
 *
 * <p>Batched over particles: {@link #velocity} runs all items in one forward pass (split into chunks of
 * at most {@link #maxBatchRows()} rows), on activation buffers allocated once for the largest batch
 * seen, so a steady-state call allocates nothing. With a guidance scale {@code w != 1} each chunk runs
 * conditional and null-condition copies as one batch of twice the items and returns
 * {@code u_null + w (u_cond - u_null)}; one latent then costs 2 NFE.
 *
 * <p>Every item's output depends only on that item's input (no op mixes rows of different items),
 * so results do not depend on how a batch is composed or split. Not thread-safe.
 */
public final class DiT implements VelocityModel {
    /** Rows per forward pass unless told otherwise (a row is one item, or half a guided item). */
    public static final int DEFAULT_MAX_BATCH_ROWS = 64;

    private final DiTConfig config;
    private final DiTWeights weights;
    private final Backend backend;
    private final double guidanceScale;
    private final int maxBatchRows;
    private final DiTModules modules;
    private final ConditionEmbedder conditionEmbedder;
    private final Workspace workspace;
    private long nfe;
    private float[] hostStaging = new float[0];
    private final DeviceBuffers device;

    /**
     * @param guidanceScale classifier-free guidance weight {@code w}; 1 disables guidance
     * @param maxBatchRows  largest number of rows in one forward pass (bounds activation memory)
     */
    public DiT(DiTWeights weights, Backend backend, double guidanceScale, int maxBatchRows) {
        if (!Double.isFinite(guidanceScale)) throw new IllegalArgumentException("guidance scale " + guidanceScale + " is not finite");
        if (maxBatchRows < 1 || (guidanceScale != 1.0 && maxBatchRows < 2)) {
            throw new IllegalArgumentException("max batch rows " + maxBatchRows + " is too small"
                    + (guidanceScale != 1.0 ? " for guidance (needs 2 rows per item)" : ""));
        }
        this.config = weights.config;
        this.weights = weights;
        this.backend = backend;
        this.guidanceScale = guidanceScale;
        this.maxBatchRows = maxBatchRows;
        this.modules = new DiTModules(weights, backend);
        this.conditionEmbedder = new ConditionEmbedder(weights);
        this.workspace = new Workspace(config, backend);
        this.device = new DeviceBuffers(backend, config.imageFloats());
    }

    /** Loads a checkpoint (config from its metadata, tensors by key) onto {@code backend}, without guidance. */
    public static DiT load(Path checkpoint, Backend backend) {
        return load(checkpoint, backend, 1.0, DEFAULT_MAX_BATCH_ROWS);
    }

    /** Loads a checkpoint onto {@code backend} with the given guidance scale and chunk size. */
    public static DiT load(Path checkpoint, Backend backend, double guidanceScale, int maxBatchRows) {
        DiTWeights w = DiTCheckpoints.read(checkpoint, backend);
        return new DiT(w, backend, guidanceScale, maxBatchRows);
    }

    /** Binds in-memory weights (checkpoint key to row-major floats), without guidance. */
    public static DiT fromWeights(DiTConfig config, Map<String, float[]> tensors, Backend backend) {
        return fromWeights(config, tensors, backend, 1.0, DEFAULT_MAX_BATCH_ROWS);
    }

    public static DiT fromWeights(DiTConfig config, Map<String, float[]> tensors, Backend backend,
                                  double guidanceScale, int maxBatchRows) {
        DiTWeights w = DiTWeights.bind(config, TensorSource.of("in-memory weights", tensors), backend);
        return new DiT(w, backend, guidanceScale, maxBatchRows);
    }

    /** The same weights on the same backend with another guidance scale (shares the packed weights). */
    public DiT withGuidance(double scale) {
        return new DiT(weights, backend, scale, maxBatchRows);
    }

    public DiTConfig config() { return config; }

    public DiTWeights weights() { return weights; }

    public Backend backend() { return backend; }

    public double guidanceScale() { return guidanceScale; }

    public int maxBatchRows() { return maxBatchRows; }

    private boolean guided() { return guidanceScale != 1.0; }

    @Override
    public int dim() { return config.imageFloats(); }

    @Override
    public int[] shape() { return new int[] {config.inChannels(), config.imageSize(), config.imageSize()}; }

    @Override
    public int nfePerLatent() { return guided() ? 2 : 1; }

    /** One chunk: {@link #maxBatchRows()} latents, or half as many under guidance. */
    @Override
    public int maxBatch() { return guided() ? maxBatchRows / 2 : maxBatchRows; }

    @Override
    public long nfe() { return nfe; }

    @Override
    public void resetNfe() { nfe = 0; }

    /** A shortcut checkpoint takes a step size; a base one does not. */
    @Override
    public boolean takesStepSize() { return config.shortcut(); }

    @Override
    public void velocity(int n, float[][] x, double[] t, Condition[] cond, float[][] out) {
        velocity(n, x, t, null, cond, out);
    }

    /**
     * {@code out[i] = s(x[i], t[i], d[i] | cond[i])}; {@code d == null} means {@code d = 0}, the velocity. A shortcut
     * model embeds d (also when it is 0: after training, d = 0 is a learned input like any other); a base model
     * accepts only d = 0. The latents go to the backend in one upload and the outputs come back in one download;
     * the pass itself is {@link #velocity(int, Tensor, double[], double[], Condition[], Tensor)}.
     */
    @Override
    public void velocity(int n, float[][] x, double[] t, double[] d, Condition[] cond, float[][] out) {
        if (n < 0 || n > x.length || n > out.length) {
            throw new IllegalArgumentException("batch of " + n + " with arrays of length x " + x.length + ", out " + out.length);
        }
        int dim = dim();
        for (int i = 0; i < n; i++) {
            if (x[i].length < dim || out[i].length < dim) {
                throw new IllegalArgumentException("latent " + i + " has " + Math.min(x[i].length, out[i].length) + " floats, the model needs " + dim);
            }
        }
        checkCall(n, t, d, cond);
        if (n == 0) return;
        Tensor in = workspace.hostIn(n), result = workspace.hostOut(n);
        float[] staging = hostStaging(n);
        for (int i = 0; i < n; i++) System.arraycopy(x[i], 0, staging, i * dim, dim);
        // One transfer each way for the whole call: per-call overhead matters for small models and many particles.
        backend.upload(staging, 0, in);
        run(n, in, t, d, cond, result);
        backend.download(result, staging, 0);
        for (int i = 0; i < n; i++) System.arraycopy(staging, i * dim, out[i], 0, dim);
    }

    /** The device path runs on this model's backend. */
    @Override
    public DeviceBuffers device() { return device; }

    /**
     * The device path: {@code x} and {@code out} are {@code [n, dim]} matrices on {@link #backend()} (any row stride),
     * so a caller that keeps its particles there pays no transfer for them; only the timesteps (and, when they change,
     * the conditions' embeddings) go to the device. Same results, bit for bit, as the host path. {@code out} must not
     * overlap {@code x}.
     */
    @Override
    public void velocity(int n, Tensor x, double[] t, double[] d, Condition[] cond, Tensor out) {
        if (x.backend() != backend || out.backend() != backend) {
            throw new IllegalArgumentException("latents on " + x.backend().name() + " and outputs on " + out.backend().name()
                    + " for a model on " + backend.name());
        }
        if (x.rank() != 2 || out.rank() != 2 || x.rows() < n || out.rows() < n || x.cols() != dim() || out.cols() != dim()) {
            throw new IllegalArgumentException("batch of " + n + " latents of " + dim() + " floats with x " + x + " and out " + out);
        }
        checkCall(n, t, d, cond);
        if (n == 0) return;
        run(n, x.rowRange(0, n), t, d, cond, out.rowRange(0, n));
    }

    /** Rejects bad times, step sizes and conditions before anything runs. */
    private void checkCall(int n, double[] t, double[] d, Condition[] cond) {
        if (d != null) {
            if (d.length < n) throw new IllegalArgumentException("batch of " + n + " with " + d.length + " step sizes");
            for (int i = 0; i < n; i++) {
                if (!(d[i] >= 0 && d[i] <= 1)) throw new IllegalArgumentException("step size " + d[i] + " is outside [0, 1]");
                if (d[i] != 0 && !config.shortcut()) {
                    throw new IllegalArgumentException("this DiT has no step-size input (not a shortcut checkpoint); asked for d = " + d[i]);
                }
            }
        }
        if (n < 0 || n > t.length || n > cond.length) {
            throw new IllegalArgumentException("batch of " + n + " with arrays of length t " + t.length + ", cond " + cond.length);
        }
        for (int i = 0; i < n; i++) {
            if (cond[i] == null) throw new IllegalArgumentException("condition " + i + " is null (use Condition.NONE)");
            conditionEmbedder.prepare(cond[i]); // rejects a bad condition before any chunk runs
        }
    }

    private float[] hostStaging(int n) {
        long floats = (long) n * dim();
        if (hostStaging.length < floats) hostStaging = new float[Math.toIntExact(floats)];
        return hostStaging;
    }

    /** The checked call on device rows, in chunks of at most {@link #maxBatchRows()} rows. */
    private void run(int n, Tensor x, double[] t, double[] d, Condition[] cond, Tensor out) {
        int perChunk = guided() ? maxBatchRows / 2 : maxBatchRows;
        for (int from = 0; from < n; from += perChunk) {
            int count = Math.min(perChunk, n - from);
            forwardChunk(from, count, x.rowRange(from, count), t, d, cond, out.rowRange(from, count));
        }
        nfe += (long) n * nfePerLatent();
    }

    /** Items {@code [from, from+count)}: one forward pass of {@code count} rows, or {@code 2*count} under guidance. */
    private void forwardChunk(int from, int count, Tensor x, double[] t, double[] d, Condition[] cond, Tensor out) {
        int rows = guided() ? 2 * count : count;
        Workspace.Views v = workspace.views(rows, maxBatchRows);
        for (int r = 0; r < rows; r++) {
            int item = from + (r % count);
            v.timesteps[r] = TimestepEmbedder.scaled(t[item]);
            if (v.stepSizes != null) v.stepSizes[r] = TimestepEmbedder.scaled(d == null ? 0.0 : d[item]);
            conditionEmbedder.stage(r < count ? cond[item] : null, r, workspace);
        }
        backend.copy(x, v.imageRows.rowRange(0, count));
        if (guided()) backend.copy(x, v.imageRows.rowRange(count, count));

        // Embeddings of times, step sizes and conditions stay on the device while they repeat (RBF redraws a level at the
        // same times): recomputing them would give the same floats, and the timesteps' angles would cross again. When all
        // three repeat, so do SiLU(c) and every modulation computed from it. Each memo is asked every pass (they remember).
        boolean timesChanged = workspace.embeddedTimesteps.changed(v.timesteps, rows);
        if (timesChanged) {
            modules.tEmbedder.forward(v.timesteps, v.timestepActivations, v.timestepEmbedding);
        }
        boolean conditionsChanged = workspace.conditionsChanged(rows);
        if (conditionsChanged) {
            backend.upload(workspace.conditionTokens, 0, workspace.conditionTokensResident(rows));
            backend.upload(workspace.pooled, 0, v.pooledCondition);
        }
        backend.copy(v.conditionTokens3d, v.xCondition3d);
        boolean stepSizesChanged = modules.dEmbedder != null && workspace.embeddedStepSizes.changed(v.stepSizes, rows);
        if (stepSizesChanged) {
            modules.dEmbedder.forward(v.stepSizes, v.stepSizeActivations, v.stepSizeEmbedding);
        }
        if (timesChanged || conditionsChanged || stepSizesChanged || !workspace.modulationsCurrent) {
            workspace.modulationsCurrent = false;
            modules.yEmbedder.forward(v.pooledCondition, v.conditionActivations, v.conditionEmbedding);
            if (modules.dEmbedder != null) {
                DiTModules.conditioning(v.timestepEmbedding, v.conditionEmbedding, v.stepSizeEmbedding, v.c, v.siluC);
            } else {
                DiTModules.conditioning(v.timestepEmbedding, v.conditionEmbedding, v.c, v.siluC);
            }
            for (int b = 0; b < modules.blocks.length; b++) modules.blocks[b].modulation(v.siluC, v.blockActivations[b]);
            modules.finalLayer.modulation(v.siluC, v.finalActivations);
            workspace.modulationsCurrent = true;
        }

        modules.xEmbedder.forward(v.image, v.patchActivations, v.xImage3d);
        for (int b = 0; b < modules.blocks.length; b++) modules.blocks[b].forwardModulated(v.x, v.blockActivations[b], v.x);
        modules.finalLayer.forwardModulated(v.x, v.finalActivations, v.patches);
        modules.xEmbedder.unpatchify(v.patches, v.velocity);

        if (guided()) {
            // u = u_null + w (u_cond - u_null) = (1 - w) u_null + w u_cond, into the conditional half.
            backend.axpby((float) (1.0 - guidanceScale), v.velocitySecondHalf, (float) guidanceScale,
                    v.velocityFirstHalf, v.velocityFirstHalf);
        }
        backend.copy(v.velocityFirstHalfOrAll(guided()), out);
    }
}
