package flowscale.runtime.cli;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.Tensor;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.TensorInfo;
import flowscale.runtime.UserError;
import flowscale.runtime.data.Images;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.vae.VaeConfig;
import flowscale.runtime.model.vae.VaeDecoder;
import flowscale.loader.AtomicFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code flowscale decode --vae FILE --latents Z.safetensors --out OUT}: runs a FLUX VAE decoder on latents
 * as the transformer produces them (tensor {@code z [B, C, h, w]}, scaled; BFL's {@code decode} un-scales
 * first). A {@code .safetensors} target receives the raw decoder output as tensor {@code image [B, 3, H, W]}
 * (not clamped); a {@code .png} target or a directory receives 8-bit images converted as BFL's scripts do.
 * Every output file is written under a temporary name and renamed into place.
 */
@Command(name = "decode",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Decode latents with a FLUX VAE: BFL's ae.safetensors or a diffusers AutoencoderKL folder, F32, BF16 or F16.",
            "",
            "The latents file holds tensor z [B, C, h, w] as the transformer produces it (scaled). "
                    + "OUT.safetensors gets tensor image [B, 3, H, W], the raw decoder output (not clamped); "
                    + "OUT.png or a directory gets PNGs, converted as BFL's scripts do: clamp to [-1, 1], "
                    + "then floor(127.5 (x + 1))."})
public final class DecodeCommand implements Callable<Integer> {
    static final String LATENTS_TENSOR = "z";
    static final String IMAGE_TENSOR = "image";

    @Option(names = "--vae", required = true, paramLabel = "FILE",
            description = "VAE checkpoint: a BFL ae.safetensors-style file or a diffusers AutoencoderKL folder.")
    Path vae;

    @Option(names = "--latents", required = true, paramLabel = "Z.safetensors",
            description = "Safetensors file with tensor 'z' [B, C, h, w].")
    Path latents;

    @Option(names = "--out", required = true, paramLabel = "OUT",
            description = "OUT.safetensors (raw decoder output), OUT.png (OUT-<i>.png for a batch of several), "
                    + "or a directory (image-<i>.png).")
    Path out;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "NAME",
            description = "Kernel backend: cpu, cpu:THREADS, reference, opencl, opencl:P:D.")
    String backend;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        Latents z = readLatents(latents);
        Backend be;
        try {
            be = Backends.create(backend);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        try (be) {
            VaeDecoder decoder;
            try {
                decoder = VaeDecoder.load(vae, be);
            } catch (CheckpointException e) {
                throw new UserError(e.getMessage(), e);
            }
            try (decoder) {
                VaeConfig c = decoder.config();
                if (z.shape[1] != c.latentChannels()) {
                    throw new UserError("latents " + latents + " have " + z.shape[1] + " channels (z " + Arrays.toString(z.shape)
                            + ") but the VAE " + vae + " decodes " + c.latentChannels());
                }
                Tensor image;
                try {
                    image = decoder.decode(be.upload(z.values, z.shape));
                } catch (IllegalArgumentException e) {
                    // a shape some backend does not take (e.g. OpenCL attention heads are at most 1024 wide)
                    throw new UserError("backend " + be.name() + " cannot run this VAE: " + e.getMessage() + " (try --backend cpu)", e);
                }
                float[] pixels = new float[Math.toIntExact(image.size())];
                be.download(image, pixels, 0);
                String written = write(pixels, image.shape(), c);
                PrintWriter o = spec.commandLine().getOut();
                o.printf(Locale.ROOT, "decoded z %s with %s (%s layout) on %s -> %s%n", Arrays.toString(z.shape), vae,
                        decoder.layout(), be.name(), written);
                o.flush();
            }
        }
        return Main.EXIT_OK;
    }

    private record Latents(float[] values, long[] shape) {}

    private static Latents readLatents(Path file) {
        if (!Files.exists(file)) throw new UserError("latents file " + file + " does not exist");
        if (!Files.isRegularFile(file)) throw new UserError("latents " + file + " is not a file (expected a .safetensors file with tensor z)");
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            TensorInfo t = f.find(LATENTS_TENSOR).orElseThrow(() -> new UserError("latents file " + file + " has no tensor '"
                    + LATENTS_TENSOR + "' [B, C, h, w] (it has: " + f.tensors().stream().limit(8).map(TensorInfo::name)
                    .collect(Collectors.joining(", ")) + ")"));
            long[] shape = t.shape();
            if (shape.length != 4 || Arrays.stream(shape).anyMatch(d -> d < 1)) {
                throw new UserError("tensor z in " + file + " has shape " + Arrays.toString(shape) + "; expected [B, C, h, w]");
            }
            if (!t.dtype().isFloatConvertible()) {
                throw new UserError("tensor z in " + file + " is " + t.dtype().safetensorsName() + "; expected F32, BF16, F16, F8_E4M3 or F64");
            }
            return new Latents(f.toFloatArray(LATENTS_TENSOR), shape);
        }
    }

    /** Writes the image batch to {@link #out}; returns a description of what was written. */
    private String write(float[] pixels, long[] shape, VaeConfig c) {
        String name = out.getFileName() == null ? "" : out.getFileName().toString();
        boolean file = name.endsWith(".safetensors") || name.endsWith(".png");
        Path folder = file ? out.toAbsolutePath().getParent() : out;
        try {
            Files.createDirectories(folder); // the one AtomicFile writes into existing folders only
        } catch (IOException e) {
            throw new UserError("cannot create the folder " + folder + " for --out: " + e.getMessage(), e);
        }
        if (name.endsWith(".safetensors")) {
            new SafetensorsWriter().addF32(IMAGE_TENSOR, shape, pixels).write(out); // temp file + rename
            return out + " (tensor image " + Arrays.toString(shape) + ")";
        }
        if (c.outChannels() != 3) {
            throw new UserError("the VAE makes " + c.outChannels() + "-channel images; PNG needs 3 (write OUT.safetensors instead)");
        }
        int batch = Math.toIntExact(shape[0]), h = Math.toIntExact(shape[2]), w = Math.toIntExact(shape[3]);
        Path[] targets = new Path[batch];
        if (name.endsWith(".png")) {
            String stem = name.substring(0, name.length() - ".png".length());
            for (int i = 0; i < batch; i++) targets[i] = batch == 1 ? out : out.resolveSibling(stem + "-" + i + ".png");
        } else {
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new UserError("--out " + out + " is neither .safetensors, .png nor a directory");
            }
            for (int i = 0; i < batch; i++) targets[i] = out.resolve("image-" + i + ".png");
        }
        try {
            for (int i = 0; i < batch; i++) {
                AtomicFile.write(targets[i], png(pixels, i, h, w));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
        return batch == 1 ? targets[0].toString() : batch + " PNGs (" + targets[0] + " ...)";
    }

    /**
     * Image {@code item} of a {@code [B, 3, h, w]} batch as PNG bytes, converted like BFL's scripts:
     * {@code x.clamp(-1, 1)}, then {@code (127.5 * (x + 1)).byte()}, which truncates (float32 arithmetic).
     */
    static byte[] png(float[] pixels, int item, int h, int w) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int plane = h * w, base = item * 3 * plane;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                img.setRGB(x, y, (toByte(pixels[base + p]) << 16) | (toByte(pixels[base + plane + p]) << 8)
                        | toByte(pixels[base + 2 * plane + p]));
            }
        }
        return Images.toPng(img);
    }

    /** BFL's 8-bit conversion of one value (a NaN, which a sound decoder never makes, becomes 0). */
    static int toByte(float v) {
        float clamped = Math.max(-1f, Math.min(1f, v));
        if (Float.isNaN(v)) return 0;
        return (int) (127.5f * (clamped + 1f));
    }
}
