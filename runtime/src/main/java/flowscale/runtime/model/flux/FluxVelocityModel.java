package flowscale.runtime.model.flux;

import flowscale.runtime.model.Condition;
import flowscale.runtime.model.PromptEmbedding;
import flowscale.runtime.model.VelocityModel;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * FLUX.1 as the samplers and searches see a flow model. A latent is an image's packed tokens {@code [N, in]}
 * (N = h x w tokens of 2x2-packed latent pixels, row-major, as BFL's {@code prepare} makes them) with position
 * ids (0, row, column); the time convention is already flowscale's ({@code x_t = (1 - t) x0 + t eps},
 * velocity {@code eps - x0}, t = 1 is noise), and the timestep goes to the model as is. A dev-style model
 * embeds its guidance value (one NFE per latent, no classifier-free guidance).
 *
 * <p>Prompts: a condition carries its {@link PromptEmbedding} ({@link Condition#ofEmbedding}), or its prompt text names
 * one registered with {@link #register}. All items of one call have the same token count.
 * Items run in chunks of at most {@code maxBatch}; an item's velocity depends only on that item's inputs.
 */
public final class FluxVelocityModel implements VelocityModel {
    private final FluxTransformer flux;
    private final FluxConfig config;
    private final int height, width, maxBatch;
    private final float guidance;
    private final float[] imgIds;
    private final Map<String, PromptEmbedding> prompts = new HashMap<>();
    private float[] txtIds = new float[0];
    private FluxInputs[] staging = new FluxInputs[0];
    private float[] out = new float[0];
    private long nfe;

    /**
     * @param height   token rows (image height / 16 for FLUX.1: 8x VAE downsampling, then 2x2 packing)
     * @param width    token columns
     * @param guidance the embedded guidance of a dev-style model (ignored by schnell-style models)
     * @param maxBatch most items per forward pass (bounds activation memory)
     */
    public FluxVelocityModel(FluxTransformer flux, int height, int width, double guidance, int maxBatch) {
        if (height < 1 || width < 1 || maxBatch < 1) {
            throw new IllegalArgumentException("FLUX needs a token grid and a batch, got " + height + " x " + width + ", batch " + maxBatch);
        }
        this.flux = flux;
        this.config = flux.config();
        if (config.outChannels() != config.inChannels()) {
            throw new IllegalArgumentException("a velocity model's output is its latent: this FLUX model reads " + config.inChannels()
                    + " channels and writes " + config.outChannels());
        }
        this.height = height;
        this.width = width;
        this.maxBatch = maxBatch;
        this.guidance = (float) guidance;
        this.imgIds = new float[height * width * 3];
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                imgIds[(r * width + c) * 3 + 1] = r;
                imgIds[(r * width + c) * 3 + 2] = c;
            }
        }
    }

    /** Makes {@code embedding} the conditioning of every {@link Condition} whose prompt is {@code prompt} and that carries none. */
    public void register(String prompt, PromptEmbedding embedding) {
        check(prompt, embedding);
        prompts.put(prompt, embedding);
    }

    /** Throws {@link IllegalArgumentException}, in one line, when the embedding's widths are not this model's. */
    public void check(String prompt, PromptEmbedding embedding) {
        if (embedding.tokens() > 0 && embedding.txtWidth() != config.contextDim()) {
            throw new IllegalArgumentException("prompt '" + prompt + "': text tokens are " + embedding.txtWidth()
                    + " wide, this model reads " + config.contextDim());
        }
        if (embedding.vec().length != config.vecDim()) {
            throw new IllegalArgumentException("prompt '" + prompt + "': pooled vector has " + embedding.vec().length
                    + " values, this model reads " + config.vecDim());
        }
    }

    public FluxTransformer transformer() { return flux; }

    @Override
    public int dim() { return height * width * config.inChannels(); }

    @Override
    public int[] shape() { return new int[] {height * width, config.inChannels()}; }

    @Override
    public int nfePerLatent() { return 1; }

    /** One forward pass holds at most this many latents (the bound the memory plan was made for). */
    @Override
    public int maxBatch() { return maxBatch; }

    @Override
    public long nfe() { return nfe; }

    @Override
    public void resetNfe() { nfe = 0; }

    @Override
    public void velocity(int n, float[][] x, double[] times, Condition[] cond, float[][] velocities) {
        if (n < 0 || n > x.length || n > times.length || n > cond.length || n > velocities.length) {
            throw new IllegalArgumentException("batch of " + n + " with arrays of length x " + x.length + ", t " + times.length
                    + ", cond " + cond.length + ", out " + velocities.length);
        }
        int dim = dim();
        for (int i = 0; i < n; i++) {
            if (x[i].length < dim || velocities[i].length < dim) {
                throw new IllegalArgumentException("latent " + i + " has fewer than the model's " + dim + " floats");
            }
            PromptEmbedding e = embedding(cond[i]);
            if (cond[i].hasEmbedding()) check(cond[i].prompt(), e);
        }
        // Items run in chunks of at most maxBatch that share one text length (prompts of several lengths may meet
        // in one call when searches share it).
        int from = 0;
        while (from < n) {
            int tokens = embedding(cond[from]).tokens(), b = 1;
            while (b < maxBatch && from + b < n && embedding(cond[from + b]).tokens() == tokens) b++;
            chunk(from, b, tokens, x, times, cond, velocities);
            from += b;
        }
        nfe += n;
    }

    private PromptEmbedding embedding(Condition c) {
        PromptEmbedding e = c == null ? null : c.hasEmbedding() ? c.embedding() : prompts.get(c.prompt());
        if (e == null) {
            throw new IllegalArgumentException("no prompt embeddings registered for condition '" + c + "' (registered: "
                    + prompts.keySet() + ")");
        }
        return e;
    }

    private void chunk(int from, int b, int textTokens, float[][] x, double[] times, Condition[] cond, float[][] velocities) {
        int dim = dim(), lt = textTokens * config.contextDim(), dv = config.vecDim();
        FluxInputs in = staging(b, textTokens);
        for (int i = 0; i < b; i++) {
            PromptEmbedding e = embedding(cond[from + i]);
            System.arraycopy(x[from + i], 0, in.img(), i * dim, dim);
            System.arraycopy(e.txt(), 0, in.txt(), i * lt, lt);
            System.arraycopy(e.vec(), 0, in.vec(), i * dv, dv);
            in.t()[i] = (float) times[from + i];
            if (in.guidance() != null) in.guidance()[i] = guidance;
        }
        int outDim = height * width * config.outChannels();
        flux.forward(in, out, null);
        for (int i = 0; i < b; i++) System.arraycopy(out, i * outDim, velocities[from + i], 0, outDim);
    }

    /** Input arrays of exactly {@code b} items (the inputs check exact lengths), made once per chunk size. */
    private FluxInputs staging(int b, int textTokens) {
        if (staging.length <= b) staging = Arrays.copyOf(staging, b + 1);
        FluxInputs in = staging[b];
        if (in == null || in.textTokens() != textTokens) {
            if (txtIds.length != 3 * textTokens) txtIds = new float[3 * textTokens];
            in = new FluxInputs(b, height * width, textTokens, new float[b * dim()], new float[b * textTokens * config.contextDim()],
                    new float[b * config.vecDim()], new float[b], config.guidanceEmbed() ? new float[b] : null, imgIds, txtIds);
            staging[b] = in;
        }
        if (out.length < b * height * width * config.outChannels()) out = new float[b * height * width * config.outChannels()];
        return in;
    }
}
