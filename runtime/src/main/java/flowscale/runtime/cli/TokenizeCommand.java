package flowscale.runtime.cli;

import flowscale.runtime.UserError;
import flowscale.runtime.text.Tokenizer;
import flowscale.runtime.text.TokenizerException;
import flowscale.runtime.text.Tokenizers;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * {@code flowscale tokenize}: the token ids of each text, one line of space-separated ids per text, with the
 * model's special tokens and without padding or truncation, for comparing with other implementations.
 */
@Command(name = "tokenize",
        mixinStandardHelpOptions = true,
        description = {
            "Print the token ids of each TEXT, one line per text (special tokens included, no padding).",
            "DIR holds vocab.json + merges.txt (CLIP byte-level BPE), tokenizer.json (SentencePiece",
            "unigram, e.g. T5) or spiece.model, as in FLUX's tokenizer/ and tokenizer_2/ folders."})
public final class TokenizeCommand implements Callable<Integer> {
    @Option(names = "--tokenizer", required = true, paramLabel = "DIR",
            description = "Folder with the tokenizer's vocabulary files.")
    Path dir;

    @Parameters(arity = "1..*", paramLabel = "TEXT", description = "Texts to tokenize.")
    List<String> texts;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizers.load(dir);
        } catch (TokenizerException e) {
            throw new UserError(e.getMessage(), e);
        } catch (NoSuchFileException e) {
            throw e;
        } catch (IOException e) {
            throw new UserError("cannot read the tokenizer in " + dir + ": " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        for (String text : texts) {
            int[] ids = tokenizer.encode(text);
            out.println(IntStream.of(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
