package flowscale.runtime.cli;

import flowscale.loader.SafetensorsWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The tiny FLUX.1 pipeline the end-to-end tests generate with: the committed tiny schnell- and dev-style transformers
 * (4 latent channels packed 2x2 = 16 token features, text width 32, pooled width 24; see {@code flux/README.md}) and the
 * tiny VAE (4 latent channels, x2 upsampling, so sizes are multiples of 4 pixels), plus prompt embeddings written at
 * test time from a seed.
 */
public final class FluxFixture {
    public static final int TXT_WIDTH = 32, VEC_WIDTH = 24;

    private FluxFixture() {}

    public static Path resource(String name) {
        try {
            return Path.of(FluxFixture.class.getResource("/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path schnell() {
        return resource("flux/flux-tiny-schnell-bfl-bf16.safetensors");
    }

    public static Path dev() {
        return resource("flux/flux-tiny-dev-bfl-bf16.safetensors");
    }

    public static Path vae() {
        return resource("vae/vae-tiny-bfl.safetensors");
    }

    /** {@code dir/NAME.safetensors} with {@code txt [tokens, txtWidth]} and {@code vec [vecWidth]} of N(0, 1) values from {@code seed}. */
    public static Path embeddings(Path dir, String name, int tokens, int txtWidth, int vecWidth, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] txt = new float[tokens * txtWidth], vec = new float[vecWidth];
        for (int i = 0; i < txt.length; i++) txt[i] = (float) gaussian(random);
        for (int i = 0; i < vec.length; i++) vec[i] = (float) gaussian(random);
        Path file = dir.resolve(name + ".safetensors");
        new SafetensorsWriter().addF32("txt", new long[] {tokens, txtWidth}, txt).addF32("vec", new long[] {vecWidth}, vec).write(file);
        return file;
    }

    /** The same values under diffusers' names with its batch dimension of 1, in BF16. */
    public static Path diffusersEmbeddings(Path dir, String name, int tokens, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] txt = new float[tokens * TXT_WIDTH], vec = new float[VEC_WIDTH];
        for (int i = 0; i < txt.length; i++) txt[i] = (float) gaussian(random);
        for (int i = 0; i < vec.length; i++) vec[i] = (float) gaussian(random);
        Path file = dir.resolve(name + ".safetensors");
        new SafetensorsWriter().addBf16("prompt_embeds", new long[] {1, tokens, TXT_WIDTH}, txt)
                .addBf16("pooled_prompt_embeds", new long[] {1, VEC_WIDTH}, vec).write(file);
        return file;
    }

    /** A diffusers pipeline folder: {@code transformer/} (the tiny schnell) and {@code vae/} (the tiny VAE). */
    public static Path pipelineFolder(Path dir) {
        Path pipeline = dir.resolve("pipeline");
        copyTree(resource("flux/flux-tiny-schnell-diffusers"), pipeline.resolve("transformer"));
        copyTree(resource("vae/vae-tiny-diffusers"), pipeline.resolve("vae"));
        return pipeline;
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.toList()) Files.copy(f, to.resolve(f.getFileName()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double gaussian(SplittableRandom r) {
        double u = r.nextDouble(), v = r.nextDouble();
        return Math.sqrt(-2 * Math.log1p(-u)) * Math.cos(2 * Math.PI * v);
    }
}
