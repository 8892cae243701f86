package flowscale.runtime.model.flux;

import flowscale.kernels.Backend;
import flowscale.kernels.WeightType;
import flowscale.kernels.PackedWeight;
import flowscale.kernels.Tensor;
import flowscale.loader.DType;
import flowscale.loader.FloatConversions;
import flowscale.loader.TensorInfo;
import flowscale.runtime.model.PackedLinear;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A FLUX.1 transformer's weights bound on a backend, in fields named after BFL's keys. 2-D weights keep their
 * stored width: BF16, F16 and F8_E4M3 are packed by {@link Backend#packHalf} straight from the mapped file and
 * widened inside the GEMM; F32 take the float32 path ({@link Backend#pack}). Biases and norm scales (under 0.1% of
 * the parameters, in whichever of these dtypes the file has them) are widened to float32 tensors, the form the
 * element-wise ops read.
 */
public final class FluxWeights {

    /** {@code time_in}, {@code vector_in}, {@code guidance_in}: {@code out_layer(silu(in_layer(x)))}. */
    public record MlpEmbedder(FusedLinear inLayer, FusedLinear outLayer) {}

    /** One stream of a double block ({@code img_*} or {@code txt_*}). */
    public record Stream(FusedLinear modLin, FusedLinear attnQkv, Tensor attnNormQueryNormScale,
                         Tensor attnNormKeyNormScale, FusedLinear attnProj, FusedLinear mlp0, FusedLinear mlp2) {}

    /** {@code double_blocks.N}. */
    public record DoubleBlock(Stream img, Stream txt) {}

    /** {@code single_blocks.N}. */
    public record SingleBlock(FusedLinear linear1, FusedLinear linear2, Tensor normQueryNormScale, Tensor normKeyNormScale,
                              FusedLinear modulationLin) {}

    public final FluxConfig config;
    public final FusedLinear imgIn;
    public final MlpEmbedder timeIn;
    public final MlpEmbedder vectorIn;
    /** Null for a schnell-style model. */
    public final MlpEmbedder guidanceIn;
    public final FusedLinear txtIn;
    public final List<DoubleBlock> doubleBlocks;
    public final List<SingleBlock> singleBlocks;
    public final FusedLinear finalLayerLinear;
    /** BFL order: (shift, scale). */
    public final FusedLinear finalLayerAdaLNModulation1;

    /** Binds every tensor of {@code checkpoint} (already validated) on {@code backend}. */
    public static FluxWeights bind(FluxCheckpoint checkpoint, Backend backend) {
        return new FluxWeights(new Binder(checkpoint, backend));
    }

    private FluxWeights(Binder b) {
        this.config = b.checkpoint.config();
        imgIn = b.linear("img_in");
        timeIn = b.embedder("time_in");
        vectorIn = b.embedder("vector_in");
        guidanceIn = config.guidanceEmbed() ? b.embedder("guidance_in") : null;
        txtIn = b.linear("txt_in");
        List<DoubleBlock> doubles = new ArrayList<>();
        for (int i = 0; i < config.depth(); i++) {
            String p = "double_blocks." + i + ".";
            doubles.add(new DoubleBlock(b.stream(p + "img_"), b.stream(p + "txt_")));
        }
        doubleBlocks = List.copyOf(doubles);
        List<SingleBlock> singles = new ArrayList<>();
        for (int i = 0; i < config.depthSingle(); i++) {
            String p = "single_blocks." + i + ".";
            singles.add(new SingleBlock(b.linear(p + "linear1"), b.linear(p + "linear2"), b.vector(p + "norm.query_norm.scale"),
                    b.vector(p + "norm.key_norm.scale"), b.linear(p + "modulation.lin")));
        }
        singleBlocks = List.copyOf(singles);
        finalLayerLinear = b.linear("final_layer.linear");
        finalLayerAdaLNModulation1 = b.linear("final_layer.adaLN_modulation.1");
    }

    /** Reads BFL-named tensors through the checkpoint's key map. */
    private record Binder(FluxCheckpoint checkpoint, Backend backend) {
        private Map<String, List<FluxKeyMap.Slice>> map() {
            return checkpoint.keyMap();
        }

        MlpEmbedder embedder(String name) {
            return new MlpEmbedder(linear(name + ".in_layer"), linear(name + ".out_layer"));
        }

        Stream stream(String p) {
            return new Stream(linear(p + "mod.lin"), linear(p + "attn.qkv"), vector(p + "attn.norm.query_norm.scale"),
                    vector(p + "attn.norm.key_norm.scale"), linear(p + "attn.proj"), linear(p + "mlp.0"), linear(p + "mlp.2"));
        }

        FusedLinear linear(String name) {
            List<FluxKeyMap.Slice> weights = map().get(name + ".weight");
            List<FluxKeyMap.Slice> biases = map().get(name + ".bias");
            int in = Math.toIntExact(weights.getFirst().storedShape()[1]);
            Tensor bias = biases == null ? null : backend.upload(floats(biases), rows(biases));
            List<FusedLinear.Part> parts = new ArrayList<>();
            int column = 0;
            for (FluxKeyMap.Slice s : weights) {
                int rows = Math.toIntExact(s.rows());
                Tensor partBias = bias == null ? null : bias.flatRange(column, rows);
                parts.add(new FusedLinear.Part(new PackedLinear(pack(s, rows, in), partBias), column));
                column += rows;
            }
            return new FusedLinear(parts, in, column);
        }

        private PackedWeight pack(FluxKeyMap.Slice s, int rows, int in) {
            TensorInfo info = checkpoint.info(s.key());
            long elementBytes = info.dtype().byteSize();
            MemorySegment bytes = checkpoint.bytes(s.key()).asSlice(s.rowStart() * in * elementBytes, (long) rows * in * elementBytes);
            WeightType type = WeightType.of(info.dtype())
                    .orElseThrow(() -> new IllegalStateException(s.key() + " is " + info.dtype() + ", which validation refuses"));
            if (type != WeightType.F32) return backend.packHalf(bytes, type, rows, in);
            float[] w = new float[Math.multiplyExact(rows, in)];
            FloatConversions.toF32(DType.F32, bytes, 0, w, 0, w.length);
            return backend.pack(backend.upload(w, rows, in));
        }

        Tensor vector(String name) {
            List<FluxKeyMap.Slice> slices = map().get(name);
            return backend.upload(floats(slices), rows(slices));
        }

        /** The slices' rows widened to float32 and concatenated (1-D tensors: biases, norm scales). */
        private float[] floats(List<FluxKeyMap.Slice> slices) {
            float[] out = new float[Math.toIntExact(rows(slices))];
            int at = 0;
            for (FluxKeyMap.Slice s : slices) {
                DType dtype = checkpoint.info(s.key()).dtype();
                MemorySegment bytes = checkpoint.bytes(s.key());
                FloatConversions.toF32(dtype, bytes, s.rowStart() * dtype.byteSize(), out, at, Math.toIntExact(s.rows()));
                at += Math.toIntExact(s.rows());
            }
            return out;
        }

        private static long rows(List<FluxKeyMap.Slice> slices) {
            long n = 0;
            for (FluxKeyMap.Slice s : slices) n += s.rows();
            return n;
        }
    }
}
