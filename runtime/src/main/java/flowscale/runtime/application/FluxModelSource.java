package flowscale.runtime.application;

import flowscale.loader.SafetensorsException;
import flowscale.loader.TensorInfo;
import flowscale.loader.TensorStore;
import flowscale.runtime.UserError;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.flow.TimeShift;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.DeviceSpec;
import flowscale.runtime.model.flux.FluxCheckpoint;
import flowscale.runtime.model.flux.FluxConfig;
import flowscale.runtime.model.flux.FluxMemoryPlan;
import flowscale.runtime.model.vae.LatentPacking;
import flowscale.runtime.model.vae.VaeCheckpoint;
import flowscale.runtime.model.vae.VaeConfig;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * FLUX.1 pipelines ({@code --model} a BFL single file, the same under ComfyUI's prefix, a diffusers {@code transformer/}
 * folder, or a diffusers pipeline folder holding {@code transformer/} and {@code vae/}), asked before the DiT source.
 * A sample is the transformer's packed latent tokens; rewards and outputs see it decoded by the VAE
 * ({@code --vae}, or the pipeline folder's {@code vae/}).
 *
 * <p>Defaults, and why:
 * <ul>
 * <li>{@code --size}: {@value #DEFAULT_TOKENS_PER_SIDE} x {@value #DEFAULT_TOKENS_PER_SIDE} tokens, 512x512 with FLUX.1's
 *     x8 VAE (a quarter of BFL's 1024x1024 tokens: every NFE runs here on CPU cores); sizes must be multiples of the
 *     VAE's upsampling times 2 (the 2x2 packing), 16 for FLUX.1.</li>
 * <li>{@code --steps}: BFL's, 4 for schnell-style models (uniform grid, no shift), 50 for dev-style ones, whose
 *     linear-path samplers step on BFL's shifted grid ({@link TimeShift#forImageTokens}; see {@link Sampler}).</li>
 * <li>{@code --guidance}: 3.5 (BFL's default) for dev-style models, embedded in the model (one NFE per latent);
 *     refused on schnell-style models, which have no guidance embedding. {@code --cfg} is refused: FLUX.1 is not run
 *     with classifier-free guidance.</li>
 * <li>{@code --reward}: {@value #DEFAULT_REWARD} (vivid images; the JPEG rewards' optima are flat or noisy images).</li>
 * <li>method, sampler and budget stay the generate command's (RBF, VP-SDE, 500 NFE): the paper's search on
 *     FLUX.1-schnell.</li>
 * </ul>
 * Before loading, the memory plan ({@link FluxMemoryPlan}, per device, for batches of {@value #MAX_BATCH}) is reported,
 * and a plan larger than the machine's physical memory is refused in one line.
 */
final class FluxModelSource implements ModelSource {
    static final int DEFAULT_TOKENS_PER_SIDE = 32;
    /** Most tokens per side of the image (4096 pixels with FLUX.1's VAE). */
    static final int MAX_TOKENS_PER_SIDE = 256;
    static final double DEFAULT_GUIDANCE = 3.5;
    /** Vivid images score high; JPEG compressibility's optimum is a flat image, a poor thing to search for by default. */
    static final String DEFAULT_REWARD = "colourfulness";
    static final int SCHNELL_STEPS = 4, DEV_STEPS = 50;
    /** Latents per forward pass; bounds the activation memory. */
    static final int MAX_BATCH = 4;
    /** BFL's T5 lengths (schnell 256, dev 512), what the memory plan assumes when the embeddings are not known yet. */
    static final int SCHNELL_TEXT_TOKENS = 256, DEV_TEXT_TOKENS = 512;

    private static final Pattern SIZE = Pattern.compile("(\\d{1,6})[xX](\\d{1,6})");
    /** Name prefixes only a FLUX transformer has (the DiT's patch embedder is {@code x_embedder.proj}, diffusers FLUX's {@code x_embedder.weight}). */
    private static final List<String> TRANSFORMER_NAMES = List.of("double_blocks.", "single_blocks.", "img_in.", "x_embedder.weight",
            "transformer_blocks.", "single_transformer_blocks.", "context_embedder.");
    private static final String VAE_CONV_IN = "decoder.conv_in.weight";

    private final LongSupplier availableMemory;

    FluxModelSource() {
        this(FluxModelSource::physicalMemory);
    }

    /** @param availableMemory bytes the plan may use (tests give a small machine) */
    FluxModelSource(LongSupplier availableMemory) {
        this.availableMemory = availableMemory;
    }

    @Override
    public boolean accepts(String spec) {
        Path p;
        try {
            p = Path.of(spec);
        } catch (InvalidPathException e) {
            return false;
        }
        if (Files.isDirectory(p)) {
            // A diffusers transformer folder, or a pipeline folder (model_index.json, transformer/).
            return Files.isRegularFile(p.resolve("config.json")) || Files.isRegularFile(p.resolve("model_index.json"))
                    || Files.isDirectory(p.resolve("transformer"));
        }
        if (!Files.isRegularFile(p)) return false;
        // A VAE given as --model is answered here too, with a line that says what it is.
        return hasTensor(p, name -> TRANSFORMER_NAMES.stream().anyMatch(prefix -> name.startsWith(prefix)
                || name.startsWith(FluxCheckpoint.COMFYUI_PREFIX + prefix)) || name.equals(VAE_CONV_IN));
    }

    private static boolean hasTensor(Path file, java.util.function.Predicate<String> test) {
        try (TensorStore store = TensorStore.open(file)) {
            return store.tensors().stream().map(TensorInfo::name).anyMatch(test);
        } catch (RuntimeException e) {
            return false; // not safetensors: the DiT source reports it
        }
    }

    @Override
    public boolean shapesWorldPrompts() {
        return false;
    }

    @Override
    public String describe() {
        return "a FLUX.1 transformer (BFL/ComfyUI .safetensors, or a diffusers transformer/ or pipeline folder)";
    }

    @Override
    public LoadedModel open(String spec, ModelOptions options) {
        FluxOptions fo = options.flux();
        if (options.guidanceScale() != 1.0) {
            throw new UserError("--cfg applies to the DiT; FLUX.1 is run without classifier-free guidance here"
                    + " (a dev-style model embeds its guidance: --guidance G)");
        }
        Path path = Path.of(spec);
        if (Files.isRegularFile(path) && hasTensor(path, VAE_CONV_IN::equals)) {
            throw new UserError(spec + " is a VAE (it has " + VAE_CONV_IN + "), not a FLUX transformer; pass it as --vae and the"
                    + " transformer as --model");
        }
        FluxCheckpoint checkpoint;
        try {
            checkpoint = FluxCheckpoint.open(path, options.flux().ropeAxes());
        } catch (CheckpointException | SafetensorsException e) {
            throw new UserError(e.getMessage(), e);
        }
        try {
            return open(spec, path, checkpoint, options);
        } catch (RuntimeException | Error e) {
            checkpoint.close();
            throw e;
        }
    }

    private LoadedModel open(String spec, Path path, FluxCheckpoint checkpoint, ModelOptions options) {
        FluxOptions fo = options.flux();
        FluxConfig config = checkpoint.config();
        double guidance = 0;
        if (config.guidanceEmbed()) {
            guidance = fo.guidance() == null ? DEFAULT_GUIDANCE : fo.guidance();
        } else if (fo.guidance() != null) {
            throw new UserError("--guidance applies to dev-style FLUX models (with guidance_in); " + spec + " is "
                    + config.variant() + ", which has no guidance embedding (drop --guidance)");
        }
        Path vaePath = fo.vae();
        if (vaePath == null) {
            Path bundled = Files.isDirectory(path) ? path.resolve("vae") : null;
            if (bundled == null || !Files.isDirectory(bundled)) {
                throw new UserError("--vae FILE|DIR is required with " + spec + " (FLUX.1's ae.safetensors or a diffusers vae/"
                        + " folder; a diffusers pipeline folder with vae/ needs none)");
            }
            vaePath = bundled;
        }
        VaeConfig vae = vaeConfig(vaePath);
        int packed = vae.latentChannels() * LatentPacking.PATCH * LatentPacking.PATCH;
        if (packed != config.inChannels()) {
            throw new UserError(String.format(Locale.ROOT, "VAE %s has %d latent channels (%d per 2x2-packed token) but the"
                    + " transformer %s reads %d per token, so its VAE has %d latent channels", vaePath, vae.latentChannels(),
                    packed, spec, config.inChannels(), config.inChannels() / 4));
        }
        int factor = vae.upsampling() * LatentPacking.PATCH;
        int[] size = size(fo.size(), factor, vae.upsampling());
        int cols = size[0] / factor, rows = size[1] / factor;
        List<DeviceSpec> devices = null;
        if (options.multiDevice()) {
            try {
                devices = DeviceSpec.parseList(options.devices());
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage(), e);
            }
        }
        checkMemory(checkpoint, rows * cols, fo, devices == null ? 1 : devices.size(), options);
        FluxPipeline flux = new FluxPipeline(spec, config, vaePath, rows, cols, size, guidance, fo.textEncoder());
        return devices == null ? flux.onBackend(checkpoint, options.backend()) : flux.onDevices(checkpoint, devices);
    }

    private static VaeConfig vaeConfig(Path vaePath) {
        if (!Files.exists(vaePath)) throw new UserError("--vae " + vaePath + ": no such file or folder");
        try (VaeCheckpoint vae = VaeCheckpoint.open(vaePath)) {
            return vae.config();
        } catch (CheckpointException | SafetensorsException e) {
            throw new UserError("--vae: " + e.getMessage(), e);
        }
    }

    /** {@code --size WxH} in pixels, checked against the packing; the default when null. Returns {width, height}. */
    static int[] size(String text, int factor, int upsampling) {
        if (text == null) return new int[] {DEFAULT_TOKENS_PER_SIDE * factor, DEFAULT_TOKENS_PER_SIDE * factor};
        Matcher m = SIZE.matcher(text.strip());
        if (!m.matches()) throw new UserError("--size must be WIDTHxHEIGHT in pixels, e.g. 512x512; got '" + UserError.oneLine(text) + "'");
        int w = Integer.parseInt(m.group(1)), h = Integer.parseInt(m.group(2));
        if (w < factor || h < factor || w % factor != 0 || h % factor != 0) {
            throw new UserError(String.format(Locale.ROOT, "--size %dx%d is not a positive multiple of %d (the VAE's x%d upsampling,"
                    + " then 2x2 packing); e.g. %dx%d", w, h, factor, upsampling, nearest(w, factor), nearest(h, factor)));
        }
        if (w / factor > MAX_TOKENS_PER_SIDE || h / factor > MAX_TOKENS_PER_SIDE) {
            throw new UserError("--size " + w + "x" + h + " is larger than " + MAX_TOKENS_PER_SIDE * factor + " pixels a side");
        }
        return new int[] {w, h};
    }

    private static int nearest(int v, int factor) {
        return Math.max(factor, Math.round(v / (float) factor) * factor);
    }

    /** Reports the plan for every device, then refuses one that does not fit into the machine. */
    private void checkMemory(FluxCheckpoint checkpoint, int imageTokens, FluxOptions fo, int devices, ModelOptions options) {
        int text = fo.textTokens() > 0 ? fo.textTokens() : checkpoint.config().guidanceEmbed() ? DEV_TEXT_TOKENS : SCHNELL_TEXT_TOKENS;
        FluxMemoryPlan plan = FluxMemoryPlan.ofTokens(checkpoint, MAX_BATCH, imageTokens, text);
        long need = plan.totalBytes() * devices, have = availableMemory.getAsLong();
        options.log().accept("FLUX memory plan: " + plan + (devices > 1 ? ", on each of " + devices + " devices" : ""));
        if (need > have) {
            throw new UserError(String.format(Locale.ROOT, "FLUX %s needs %.2f GB (%s%s) but this machine has %.2f GB; use a"
                    + " smaller --size or fewer devices, or a machine with more memory", checkpoint.source(), need / 1e9, plan,
                    devices > 1 ? ", x" + devices + " devices" : "", have / 1e9));
        }
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return Long.MAX_VALUE;
    }
}
