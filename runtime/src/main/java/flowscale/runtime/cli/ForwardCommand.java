package flowscale.runtime.cli;

import flowscale.runtime.UserError;
import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsException;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.TensorInfo;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.flux.FluxCheckpoint;
import flowscale.runtime.model.flux.FluxConfig;
import flowscale.runtime.model.flux.FluxInputs;
import flowscale.runtime.model.flux.FluxMemoryPlan;
import flowscale.runtime.model.flux.FluxTransformer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * {@code flowscale forward}: one evaluation of a FLUX.1 transformer on given inputs, written out, to check
 * flowscale against other implementations and across devices. Inputs are the tensors of BFL's
 * {@code Flux.forward}: {@code img [B, N, C]}, {@code txt [B, L, D_txt]}, {@code vec [B, D_vec]}, {@code t [B]},
 * {@code img_ids [N, 3]}, {@code txt_ids [L, 3]} (zeros if absent, as BFL makes them) and, for dev,
 * {@code guidance [B]}; names may carry the fixtures' {@code in.} prefix. The output holds {@code velocity [B, N, C]}.
 */
@Command(name = "forward",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Evaluate a FLUX.1 transformer once on inputs from a safetensors file and write its velocity, for "
                    + "checking flowscale against other implementations and devices.",
            "",
            "The model is BFL's file, ComfyUI's, or a diffusers folder; weights stay in their stored dtype "
                    + "(BF16/F16 widened inside the GEMM)."})
public final class ForwardCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "M",
            description = "FLUX transformer: a .safetensors file, a shard index, or a diffusers folder.")
    Path model;

    @Option(names = "--inputs", required = true, paramLabel = "IN", description = "Input tensors (.safetensors).")
    Path inputs;

    @Option(names = "--out", required = true, paramLabel = "OUT", description = "Where to write the velocity (.safetensors).")
    Path out;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "B", description = "reference, cpu[:THREADS] or opencl[:P:D].")
    String backend;

    @Option(names = "--rope-axes", split = ",", paramLabel = "A,B,C",
            description = "RoPE axis dims, needed only for head dims other than FLUX.1's 128 without a diffusers config.json.")
    int[] ropeAxes;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        try (FluxCheckpoint checkpoint = FluxCheckpoint.open(model, ropeAxes)) {
            FluxConfig c = checkpoint.config();
            FluxInputs in = readInputs(inputs, c);
            FluxMemoryPlan plan = FluxMemoryPlan.ofTokens(checkpoint, in.batch(), in.imageTokens(), in.textTokens());
            stdout.println("model: " + checkpoint.describe());
            stdout.println("memory: " + plan);
            plan.requireFits(physicalMemory());
            float[] velocity;
            try (Backend b = backend()) {
                stdout.println("backend: " + b.name());
                velocity = FluxTransformer.load(checkpoint, b).forward(in);
            }
            new SafetensorsWriter().metadata("model", c.summary()).metadata("backend", backend)
                    .addF32("velocity", new long[] {in.batch(), in.imageTokens(), c.outChannels()}, velocity).write(out);
            stdout.println("wrote velocity [" + in.batch() + ", " + in.imageTokens() + ", " + c.outChannels() + "] to " + out);
        } catch (CheckpointException | SafetensorsException | IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        stdout.flush();
        return Main.EXIT_OK;
    }

    private Backend backend() {
        try {
            return Backends.create(backend);
        } catch (RuntimeException e) {
            throw new UserError("backend '" + backend + "': " + UserError.oneLine(e.getMessage()), e);
        }
    }

    private static long physicalMemory() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize();
    }

    /** The inputs, each checked against the model's widths and the others' batch and token counts. */
    static FluxInputs readInputs(Path file, FluxConfig c) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            String prefix = f.find("img").isEmpty() && f.find("in.img").isPresent() ? "in." : "";
            long[] img = shape(f, file, prefix + "img", 3, null);
            int b = Math.toIntExact(img[0]), n = Math.toIntExact(img[1]);
            require(file, prefix + "img", img, new long[] {b, n, c.inChannels()});
            long[] txt = shape(f, file, prefix + "txt", 3, null);
            int l = Math.toIntExact(txt[1]);
            require(file, prefix + "txt", txt, new long[] {b, l, c.contextDim()});
            shape(f, file, prefix + "vec", 2, new long[] {b, c.vecDim()});
            shape(f, file, prefix + "t", 1, new long[] {b});
            shape(f, file, prefix + "img_ids", 2, new long[] {n, 3});
            float[] txtIds = new float[3 * l];
            if (f.find(prefix + "txt_ids").isPresent()) {
                shape(f, file, prefix + "txt_ids", 2, new long[] {l, 3});
                txtIds = f.toFloatArray(prefix + "txt_ids");
            }
            float[] guidance = null;
            if (c.guidanceEmbed()) {
                if (f.find(prefix + "guidance").isEmpty()) {
                    throw new UserError(file + ": this is a dev-style model (guidance embedding); give the tensor guidance [" + b + "]");
                }
                shape(f, file, prefix + "guidance", 1, new long[] {b});
                guidance = f.toFloatArray(prefix + "guidance");
            }
            return new FluxInputs(b, n, l, f.toFloatArray(prefix + "img"), f.toFloatArray(prefix + "txt"), f.toFloatArray(prefix + "vec"),
                    f.toFloatArray(prefix + "t"), guidance, f.toFloatArray(prefix + "img_ids"), txtIds);
        }
    }

    private static long[] shape(SafetensorsFile f, Path file, String name, int rank, long[] expected) {
        TensorInfo t = f.find(name).orElseThrow(() -> new UserError(file + " has no tensor '" + name
                + "' (inputs: img [B, N, C], txt [B, L, D_txt], vec [B, D_vec], t [B], img_ids [N, 3], txt_ids [L, 3], dev: guidance [B])"));
        if (t.rank() != rank) throw new UserError(file + ": " + name + " is " + t.shapeString() + ", expected rank " + rank);
        if (expected != null) require(file, name, t.shape(), expected);
        return t.shape();
    }

    private static void require(Path file, String name, long[] actual, long[] expected) {
        if (!Arrays.equals(actual, expected)) {
            throw new UserError(file + ": " + name + " is " + Arrays.toString(actual) + ", this model needs " + Arrays.toString(expected));
        }
    }
}
