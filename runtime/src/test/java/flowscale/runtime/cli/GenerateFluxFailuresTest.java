package flowscale.runtime.cli;

import flowscale.loader.SafetensorsWriter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static flowscale.runtime.cli.CliFixture.assertUsage;
import static flowscale.runtime.cli.CliFixture.run;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Bad input to {@code generate} on FLUX.1: one line on stderr, exit code 2, no output directory. */
class GenerateFluxFailuresTest {
    @TempDir
    static Path dir;
    static Path embeds;
    static int outs;

    @BeforeAll
    static void writeEmbeddings() {
        embeds = FluxFixture.embeddings(dir, "prompt", 5, FluxFixture.TXT_WIDTH, FluxFixture.VEC_WIDTH, 11);
    }

    /** Runs generate on the tiny schnell with the tiny VAE, each option of {@code more} replacing the default one. */
    private static void refused(String fragment, String... more) {
        Path out = dir.resolve("out" + outs++);
        java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
        String[] defaults = {"--model", FluxFixture.schnell().toString(), "--vae", FluxFixture.vae().toString(), "--rope-axes", "4,6,6",
                "--size", "16x16", "--method", "bon", "--budget", "8"};
        for (int i = 0; i < defaults.length; i += 2) options.put(defaults[i], defaults[i + 1]);
        for (int i = 0; i < more.length; i += 2) options.put(more[i], more[i + 1]);
        List<String> args = new ArrayList<>(List.of("generate"));
        options.forEach((k, v) -> {
            args.add(k);
            args.add(v);
        });
        args.addAll(List.of("--out", out.toString()));
        assertUsage(run(args.toArray(String[]::new)), fragment);
        assertFalse(Files.exists(out), out + " was created for a refused run");
    }

    @Test
    void embeddingsOfTheWrongWidthOrShape() {
        Path wideTxt = FluxFixture.embeddings(dir, "wide", 5, 48, FluxFixture.VEC_WIDTH, 1);
        refused("are txt [5, 48] and vec [24] but", "--prompt-embeds", wideTxt.toString());
        Path shortVec = FluxFixture.embeddings(dir, "short", 5, FluxFixture.TXT_WIDTH, 23, 1);
        refused("reads txt [L, 32] and vec [24]", "--prompt-embeds", shortVec.toString());
        Path batch = dir.resolve("batch.safetensors");
        new SafetensorsWriter().addF32("prompt_embeds", new long[] {2, 3, 32}, new float[2 * 3 * 32])
                .addF32("pooled_prompt_embeds", new long[] {2, 24}, new float[48]).write(batch);
        refused("holds a batch of 2 prompts", "--prompt-embeds", batch.toString());
        Path noVec = dir.resolve("novec.safetensors");
        new SafetensorsWriter().addF32("txt", new long[] {3, 32}, new float[96]).write(noVec);
        refused("has no tensor vec or pooled_prompt_embeds", "--prompt-embeds", noVec.toString());
        refused("--prompt-embeds " + dir.resolve("missing.safetensors") + ": no such file", "--prompt-embeds",
                dir.resolve("missing.safetensors").toString());
    }

    @Test
    void promptTextWithoutTextEncoders() throws Exception {
        refused("--prompt TEXT on FLUX.1 needs text encoders", "--prompt", "a red fox");
        Path out = dir.resolve("no-prompt");
        assertUsage(run("generate", "--model", FluxFixture.schnell().toString(), "--vae", FluxFixture.vae().toString(), "--out",
                out.toString()), "--prompt TEXT on FLUX.1 needs text encoders");
        Path prompts = dir.resolve("prompts.txt");
        Files.writeString(prompts, "a red fox\na blue bird\n");
        refused("--prompts on FLUX.1 needs text encoders", "--prompts", prompts.toString());
    }

    @Test
    void sizesThatAreNotMultiplesOfThePacking() {
        refused("--size 18x16 is not a positive multiple of 4 (the VAE's x2 upsampling, then 2x2 packing); e.g. 20x16",
                "--prompt-embeds", embeds.toString(), "--size", "18x16");
        refused("--size must be WIDTHxHEIGHT", "--prompt-embeds", embeds.toString(), "--size", "big");
        refused("--size 0x16 is not a positive multiple", "--prompt-embeds", embeds.toString(), "--size", "0x16");
    }

    @Test
    void checkpointsOfAnotherArchitectureOrChannelCount() {
        Path dit = CliFixture.tinyDiT(dir, 3);
        refused("is a DiT, not a VAE decoder", "--prompt-embeds", embeds.toString(), "--vae", dit.toString());
        refused("is a VAE (it has decoder.conv_in.weight), not a FLUX transformer", "--prompt-embeds", embeds.toString(),
                "--model", FluxFixture.vae().toString());
        // FLUX.1's real head size and 16 latent channels (64 per token) against the tiny VAE's 4.
        refused("has 4 latent channels (16 per 2x2-packed token) but the transformer", "--prompt-embeds", embeds.toString(),
                "--model", FluxFixture.resource("flux/flux-realhead-bfl-bf16.safetensors").toString(), "--rope-axes", "16,56,56");
        Path out = dir.resolve("no-vae");
        assertUsage(run("generate", "--model", FluxFixture.schnell().toString(), "--rope-axes", "4,6,6", "--prompt-embeds",
                embeds.toString(), "--out", out.toString()), "--vae FILE|DIR is required");
        assertFalse(Files.exists(out));
    }

    @Test
    void optionsThatDoNotApply() {
        refused("--guidance applies to dev-style FLUX models", "--prompt-embeds", embeds.toString(), "--guidance", "3.5");
        refused("--cfg applies to the DiT", "--prompt-embeds", embeds.toString(), "--cfg", "2");
        refused("reward counting needs a shapes-world prompt", "--prompt-embeds", embeds.toString(), "--reward", "counting");
        refused("unknown image reward", "--prompt-embeds", embeds.toString(), "--reward", "sharpness");
        Path dit = CliFixture.tinyDiT(dir, 4);
        Path out = dir.resolve("dit-out");
        assertUsage(run("generate", "--model", dit.toString(), "--prompt", "1 red circle", "--vae", FluxFixture.vae().toString(),
                "--out", out.toString()), "--vae applies to FLUX.1 models");
        assertUsage(run("generate", "--model", dit.toString(), "--prompt", "1 red circle", "--prompt-embeds", embeds.toString(),
                "--out", out.toString()), "--prompt-embeds applies to FLUX.1 models");
        assertFalse(Files.exists(out));
        assertUsage(run("evaluate", "--model", FluxFixture.schnell().toString(), "--out", out.toString()),
                "evaluate measures shapes-world DiT checkpoints");
        assertFalse(Files.exists(out));
    }
}
