package flowscale.kernels;

import java.lang.foreign.MemorySegment;

/**
 * Every operation the DiT forward pass, the samplers and training need, for a batch of particles at
 * once. One interface, several implementations: {@code reference} (scalar Java, accumulates in double,
 * the oracle), {@code cpu} (Vector API, the default), later {@code opencl} and {@code cuda}.
 *
 * <p>Conventions, shared by every implementation:
 * <ul>
 *   <li>All tensors are float32 and belong to this backend ({@code t.backend() == this}).</li>
 *   <li>"Matrix" arguments are 2-D views: {@code rows x cols}, unit column stride, any row stride
 *       ({@link Tensor#rowStride()}). Element-wise ops take tensors of equal size; inputs may be
 *       non-contiguous only where stated.</li>
 *   <li>An output may alias an input of the same shape and strides (in-place) unless stated otherwise.</li>
 *   <li>Ops are synchronous from the caller's point of view: when a method returns, its result is
 *       visible to the next op on this backend and to {@link #download}.</li>
 *   <li>No op allocates in steady state; scratch memory is sized once per shape and reused.</li>
 * </ul>
 */
public interface Backend extends AutoCloseable {

    /** Short name: {@code reference}, {@code cpu}, {@code opencl:0:0}, ... */
    String name();

    /** Worker threads this backend uses (1 for the reference). */
    int threads();

    // ---------------------------------------------------------------- memory

    /** A new zero-filled contiguous tensor owned by this backend (freed on {@link #close}). */
    Tensor allocate(long... shape);

    /** A new contiguous tensor holding {@code data} (row-major) with the given shape. */
    Tensor upload(float[] data, long... shape);

    /** Copies host floats into {@code dst} (any view; {@code src.length - srcOffset >= dst.size()}). */
    void upload(float[] src, int srcOffset, Tensor dst);

    /** Copies {@code src} (any view) to host floats in row-major order starting at {@code dstOffset}. */
    void download(Tensor src, float[] dst, int dstOffset);

    /**
     * The bytes this backend has moved between host memory and its tensors so far (see {@link TransferCounter}):
     * one counter per backend instance, which a caller may reset.
     */
    TransferCounter transfers();

    /** Strided copy between two views of the same shape (rank 1 to 4). */
    void copy(Tensor src, Tensor dst);

    /**
     * Row gather: row {@code i} of {@code out} becomes row {@code rows[i]} of {@code src}, for every row of {@code out}
     * (a resampling or a selection of particles held on the device; only the indices cross from the host). Both are
     * 2-D views with unit column stride and the same number of columns; indices lie in {@code [0, src.rows())} and may
     * repeat; {@code out} must not overlap {@code src}. An exact copy.
     */
    void gatherRows(Tensor src, int[] rows, Tensor out);

    /** Sets every element of {@code dst} to {@code value}. */
    void fill(Tensor dst, float value);

    // ---------------------------------------------------------------- linear algebra

    /** Packs a linear layer's weight {@code w[out, in]} once, at load. */
    PackedWeight pack(Tensor w);

    /**
     * {@code out[m, n] = sum_k x[m, k] * W[n, k] + bias[n]} (a linear layer). {@code bias} may be null.
     * {@code out} must not alias {@code x}.
     */
    void linear(Tensor x, PackedWeight w, Tensor bias, Tensor out);

    /**
     * General matrix product {@code c = alpha * op(a) * op(b) + beta * c}, {@code op} = transpose when the
     * flag is set. Used by training (weight gradients, input gradients) and the reference attention.
     * With {@code beta == 0} the old contents of {@code c} are ignored (even NaN).
     */
    void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c);

    /**
     * Packs a linear layer's weight {@code W[out, in]} that is stored narrower than float32 (BF16, F16 or
     * F8_E4M3; {@code data}: the row-major little-endian elements, e.g. a slice of a mapped checkpoint, any
     * alignment), keeping the stored width (2 or 1 bytes per weight): {@link #linear} widens them to float32
     * inside its product, so a BF16 or F8 model never has a float32 copy. (The name predates F8: "half" here
     * means any {@link WeightType} other than F32.) The backend may keep a packed copy of the same width or read {@code data} in place
     * (then {@code data} must stay valid while the weight is used). The result's {@link PackedWeight#source}
     * is null: there is no float32 tensor behind it.
     */
    PackedWeight packHalf(MemorySegment data, WeightType format, int outFeatures, int inFeatures);

    // ---------------------------------------------------------------- normalisation and activations

    /**
     * Row-wise LayerNorm of {@code x[rows, d]}: {@code (x - mean) / sqrt(var + eps) * gamma + beta}
     * (biased variance). {@code gamma}/{@code beta} of length d, or both null for no affine.
     */
    void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out);

    /** Row-wise RMSNorm: {@code x / sqrt(mean(x^2) + eps) * gamma}; {@code gamma} may be null. */
    void rmsNorm(Tensor x, Tensor gamma, float eps, Tensor out);

    /** GELU, tanh form: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    void gelu(Tensor x, Tensor out);

    /** SiLU: {@code x * sigmoid(x)}. */
    void silu(Tensor x, Tensor out);

    // ---------------------------------------------------------------- adaLN

    /**
     * adaLN modulate per batch item: for rows {@code r} of {@code x[B*T, d]} with item {@code b = r / T},
     * {@code out[r, j] = x[r, j] * (1 + scale[b, j]) + shift[b, j]}. {@code shift}/{@code scale} are
     * {@code [B, d]} views (typically column chunks of the adaLN projection output).
     */
    void modulate(Tensor x, Tensor shift, Tensor scale, int tokensPerItem, Tensor out);

    /**
     * Gated residual add in place: {@code residual[r, j] += gate[r / T, j] * y[r, j]} over
     * {@code residual[B*T, d]}, {@code gate[B, d]}.
     */
    void gatedAdd(Tensor residual, Tensor y, Tensor gate, int tokensPerItem);

    /** {@code out[r, j] = x[r, j] + y[r mod P, j]} for {@code x[R, d]}, {@code y[P, d]} (bias rows, position tables). */
    void addBroadcastRows(Tensor x, Tensor y, Tensor out);

    // ---------------------------------------------------------------- attention

    /**
     * Multi-head softmax attention, {@code out = softmax(q k^T * scale) v} per batch item and head,
     * never materialising the whole score matrix. {@code q, k, v, out} are {@code [B*S, H*hd]} views
     * (q/k/v may be column chunks of a fused qkv output with a larger row stride); head {@code h}
     * occupies columns {@code [h*hd, (h+1)*hd)}. No mask. {@code out} must not alias the inputs.
     */
    void attention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor out);

    // ---------------------------------------------------------------- text encoders (CLIP, T5)

    /** Quick GELU (CLIP's {@code quick_gelu}): {@code x * sigmoid(1.702 x)}. */
    void quickGelu(Tensor x, Tensor out);

    /**
     * Element-wise product {@code out = x * y} (the gate of a gated feed-forward, T5's
     * {@code gelu(wi_0 h) * wi_1 h}); inputs of equal size, as the other element-wise ops.
     */
    void multiply(Tensor x, Tensor y, Tensor out);

    /**
     * {@link #attention} with a causal mask (CLIP's text encoder): query {@code i} of an item attends only
     * keys {@code j <= i} of the same item. Same operand conventions as {@link #attention}.
     */
    void causalAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor out);

    /**
     * {@link #attention} with an additive score bias shared by all batch items (T5's relative-position
     * bias): the score of query {@code i} against key {@code j} in head {@code h} is
     * {@code scale * q_i . k_j + bias[h * seq + i, j]}. {@code bias} is a {@code [heads * seq, seq]} matrix
     * view (unit column stride, any row stride). Same operand conventions as {@link #attention}.
     */
    void biasedAttention(Tensor q, Tensor k, Tensor v, int batch, int seq, int heads, float scale, Tensor bias, Tensor out);

    // ---------------------------------------------------------------- per-head ops (FLUX.1)

    /**
     * RMSNorm of every head of every row: {@code x[rows, H*hd]} (a 2-D view with unit column stride, any row
     * stride, e.g. the q chunk of a fused qkv output) is split into {@code H = cols / hd} heads of
     * {@code hd = gamma.size()} columns, and each head becomes {@code x / sqrt(mean(x^2) + eps) * gamma}
     * (FLUX's QK-norm). {@code out} has x's shape; it may be x itself.
     */
    void headRmsNorm(Tensor x, Tensor gamma, float eps, Tensor out);

    /**
     * Rotary position embedding on interleaved pairs: {@code x[B*S, H*hd]} (a 2-D view with unit column
     * stride, any row stride) has heads of {@code hd = table.cols()} columns; row {@code r} uses row
     * {@code r mod seq} of {@code table[seq, hd]}, which holds {@code (cos, sin)} of each pair's angle at
     * columns {@code (2i, 2i+1)}. Pair {@code (a, b) = (x[2i], x[2i+1])} of every head becomes
     * {@code (cos a - sin b, sin a + cos b)}. {@code out} has x's shape; it may be x itself.
     */
    void rope(Tensor x, Tensor table, int seq, Tensor out);

    // ---------------------------------------------------------------- image convolutions (VAE decoders)

    /**
     * Prepares a convolution weight {@code w[out, in, kh, kw]} held as {@code outChannels * inChannels *
     * kernelHeight * kernelWidth} little-endian {@code type} elements in {@code data} (host memory, e.g. a
     * mapped checkpoint, any alignment). Host backends keep a reference to {@code data} and widen inside the
     * kernel; the caller keeps {@code data} alive as long as the weight is used, readable from any thread (a
     * shared or global arena, a mapped file, the heap: the cpu backend's workers read it). Kernel sides must be odd.
     */
    ConvWeight packConv(java.lang.foreign.MemorySegment data, WeightType type, int outChannels, int inChannels,
                        int kernelHeight, int kernelWidth);

    /**
     * 2-D convolution, stride 1, zero padding {@code (k-1)/2} on each side ("same" size), NCHW:
     * {@code out[b, o, y, x] = bias[o] + sum_{i, dy, dx} w[o, i, dy, dx] * x[b, i, y + dy - ph, x + dx - pw]}.
     * {@code x [B, Cin, H, W]} and {@code out [B, Cout, H, W]} are contiguous (any offset) and must not
     * overlap; {@code bias} ({@code Cout} contiguous floats) may be null.
     */
    void conv2d(Tensor x, ConvWeight w, Tensor bias, Tensor out);

    /**
     * GroupNorm over contiguous {@code x [B, C, H, W]}: channels split into {@code groups} consecutive groups;
     * each (item, group) is normalised over its {@code C/groups * H * W} elements with the biased variance,
     * {@code (x - mean) / sqrt(var + eps) * gamma[c] + beta[c]}. {@code gamma}/{@code beta} of length C, or
     * both null. {@code out} is contiguous of the same shape and may be {@code x} itself.
     */
    void groupNorm(Tensor x, int groups, Tensor gamma, Tensor beta, float eps, Tensor out);

    /**
     * Nearest-neighbour 2x upsampling of contiguous {@code x [B, C, H, W]} into contiguous
     * {@code out [B, C, 2H, 2W]}: {@code out[b, c, y, x] = x[b, c, y / 2, x / 2]}.
     */
    void upsampleNearest2x(Tensor x, Tensor out);

    // ---------------------------------------------------------------- embeddings and layout

    /**
     * Sinusoidal timestep embedding (DiT/flux form): with {@code half = dim/2},
     * {@code f_i = exp(-ln(maxPeriod) * i / half)}, {@code out[b] = [cos(t_b f_0..), sin(t_b f_0..)]};
     * when dim is odd the last column is 0. {@code t} is a host array of length B; {@code out[B, dim]}.
     */
    void timestepEmbedding(float[] t, float maxPeriod, Tensor out);

    /**
     * {@code img[B, C, H, W]} (contiguous) to patch tokens {@code out[B*(H/p)*(W/p), C*p*p]}: token
     * {@code (gy, gx)} in row-major grid order, features ordered {@code (c, py, px)}.
     */
    void patchify(Tensor img, int channels, int height, int width, int patch, Tensor out);

    /** Inverse of {@link #patchify}. */
    void unpatchify(Tensor tokens, int channels, int height, int width, int patch, Tensor img);

    // ---------------------------------------------------------------- element-wise and reductions

    /** {@code out = a*x + b*y}. */
    void axpby(float a, Tensor x, float b, Tensor y, Tensor out);

    /**
     * The fused SDE / ODE update {@code out = x - f*dt + gSqrtDt*z} ({@code gSqrtDt = g*sqrt(dt)};
     * {@code z} may be null when {@code gSqrtDt == 0}).
     */
    void sdeUpdate(Tensor x, Tensor f, float dt, float gSqrtDt, Tensor z, Tensor out);

    /**
     * The clean-sample (Tweedie) estimate {@code x0 = (sigma*u - sigmaDot*x) / d} of an interpolant
     * with {@code d = alphaDot*sigma - sigmaDot*alpha}; callers pass the coefficients in double.
     */
    void tweedie(Tensor x, Tensor u, double sigma, double sigmaDot, double d, Tensor out);

    /**
     * The samplers' element-wise update, rounded like their host arithmetic:
     * {@code out = (float) (a * x + b * y + c * z)} with each product and each sum in double, left to right, and no
     * fused multiply-add, so that a host backend gives exactly what Java computes for the same double coefficients
     * (the SDE and ODE step {@code cx x + cu u + cz z}, the Tweedie estimate and the path conversion's
     * {@code (cDot/c) x + c tDot u} and {@code x / c}). {@code y} or {@code z} may be null: that term is absent (its
     * coefficient ignored), not multiplied by zero. Operands have the same shape (2-D views with unit column stride and
     * any row stride, or contiguous tensors); {@code out} may be one of them. A device backend may round its coefficients
     * and arithmetic to float (conformance tolerance {@code ELEMENTWISE}); {@link #sdeUpdate} and {@link #tweedie}
     * are the float-coefficient forms for callers that do not need the host's rounding.
     */
    void combine(double a, Tensor x, double b, Tensor y, double c, Tensor z, Tensor out);

    /** Sum of all elements (accumulated in at least double on the host side of the result). */
    double sum(Tensor x);

    /** Maximum element (NaN if any element is NaN). */
    double max(Tensor x);

    /** Euclidean norm. */
    double norm2(Tensor x);

    // ---------------------------------------------------------------- randomness

    /**
     * Standard normals from the counter-based generator: element {@code i} of {@code out} (row-major)
     * is {@link Philox#normal(long, int, int, int, long) Philox.normal(key, s0, s1, s2, i)}, bit for bit,
     * whatever the backend, batch size or thread count.
     */
    void normal(long key, int s0, int s1, int s2, Tensor out);

    /**
     * Standard normals of a chosen {@link NoiseScheme}: element {@code i} of {@code out} (row-major) is
     * {@code scheme.normal(key, s0, s1, s2, i)}, bit for bit, whatever the backend, batch size or thread count.
     * {@link NoiseScheme#BOX_MULLER_V1} is {@link #normal(long, int, int, int, Tensor)}; every backend has every
     * scheme.
     */
    void normal(NoiseScheme scheme, long key, int s0, int s1, int s2, Tensor out);

    /** Frees everything this backend allocated. */
    @Override
    void close();
}
