package flowscale.runtime.cli;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsWriter;
import flowscale.runtime.UserError;
import flowscale.runtime.application.PromptEncoder;
import flowscale.runtime.application.PromptEncoders;
import flowscale.runtime.application.TextEncoderFolders;
import flowscale.runtime.model.PromptEmbedding;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code flowscale encode}: a prompt through FLUX.1's text encoders, written as the {@code txt [L, D_txt]} and
 * {@code vec [D_vec]} tensors that {@code generate --prompt-embeds} reads.
 */
@Command(name = "encode",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Encode a prompt with FLUX.1's text encoders (T5 -> txt, CLIP-L -> vec) and write the embedding.",
            "",
            "The output holds txt [L, D_txt] (T5's last hidden state over the prompt padded to L tokens) and "
                    + "vec [D_vec] (CLIP's pooled output), float32, as generate --prompt-embeds reads them. "
                    + "Encoders are transformers model folders (config.json + safetensors, T5 possibly sharded); "
                    + "weights stay in their stored dtype. A tokenizer is found in the model folder, in its "
                    + "tokenizer/ (tokenizer_2/) subfolder, or in the tokenizer/ (tokenizer_2/) folder beside it. "
                    + "A prompt longer than an encoder reads is cut with a one-line warning, as the reference "
                    + "pipelines do."})
public final class EncodeCommand implements Callable<Integer> {

    @Option(names = "--clip", paramLabel = "DIR", description = "CLIP text encoder folder (FLUX's text_encoder/).")
    Path clip;

    @Option(names = "--t5", paramLabel = "DIR", description = "T5 encoder folder (FLUX's text_encoder_2/).")
    Path t5;

    @Option(names = "--pipeline", paramLabel = "DIR",
            description = "Instead of --clip and --t5: a diffusers FLUX.1 folder (text_encoder/, tokenizer/, "
                    + "text_encoder_2/, tokenizer_2/, ...).")
    Path pipeline;

    @Option(names = "--prompt", required = true, paramLabel = "TEXT", description = "The prompt.")
    String prompt;

    @Option(names = "--out", required = true, paramLabel = "EMBEDS",
            description = "Where to write txt and vec (.safetensors; written whole or not at all).")
    Path out;

    @Option(names = "--t5-max-length", defaultValue = "" + PromptEncoders.SCHNELL_T5_MAX_LENGTH, paramLabel = "N",
            description = "T5 tokens L (1..512): 256 for FLUX.1-schnell, 512 for FLUX.1-dev.")
    int t5MaxLength;

    @Option(names = "--backend", defaultValue = "cpu", paramLabel = "B", description = "reference, cpu[:THREADS] or opencl[:P:D].")
    String backend;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut(), stderr = spec.commandLine().getErr();
        if (pipeline != null && (clip != null || t5 != null)) {
            throw new UserError("give either --pipeline or --clip and --t5, not both");
        }
        if (pipeline == null && (clip == null || t5 == null)) {
            throw new UserError("give --clip and --t5 (the two encoder folders), or --pipeline");
        }
        TextEncoderFolders folders = pipeline != null ? TextEncoderFolders.ofPipeline(pipeline) : TextEncoderFolders.of(clip, t5);
        Path parent = out.toAbsolutePath().getParent();
        if (Files.isDirectory(out)) throw new UserError("--out " + out + " is a folder; give a .safetensors file name");
        if (parent != null && !Files.isDirectory(parent)) {
            throw new UserError("--out " + out + ": the folder " + parent + " does not exist");
        }
        PromptEmbedding embedding;
        int txtWidth;
        try (Backend b = backend();
             PromptEncoder encoder = PromptEncoders.open(folders, b, t5MaxLength, w -> {
                 stderr.println("warning: " + UserError.oneLine(w));
                 stderr.flush();
             })) {
            stdout.println("backend: " + b.name());
            embedding = encoder.encode(prompt);
            txtWidth = encoder.txtWidth();
        }
        new SafetensorsWriter()
                .metadata("prompt", prompt)
                .metadata("t5_max_length", Integer.toString(t5MaxLength))
                .addF32("txt", new long[] {embedding.tokens(), txtWidth}, embedding.txt())
                .addF32("vec", new long[] {embedding.vec().length}, embedding.vec())
                .write(out);
        stdout.println("wrote txt [" + embedding.tokens() + ", " + txtWidth + "] and vec [" + embedding.vec().length + "] to " + out);
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
}
