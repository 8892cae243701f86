package flowscale.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What every prompt of a batch shares, as {@code generate} takes it: the model and how to open it, the search's
 * settings that a row cannot override, and the defaults of those it can ({@code seed}, {@code method},
 * {@code sampler}, {@code budget}). Shipped to the executors with each task.
 *
 * @param concurrentSearches how many prompts of a task's partition advance together, sharing model calls
 * @param input     the prompts file or table as given (recorded in each trace as its {@code promptsFile})
 * @param out       the output directory, a Hadoop FileSystem path
 * @param arguments the batch's command line, recorded in each trace
 */
public record BatchSettings(String model, String backend, String devices, double cfg, int steps, String estimate,
                            String noiseScheme, String reward, List<String> searchOptions, String rbfVariant,
                            String method, String sampler, long seed, long budget, int concurrentSearches, String input,
                            String out, List<String> arguments) implements Serializable {
    public BatchSettings {
        searchOptions = List.copyOf(searchOptions);
        arguments = List.copyOf(arguments);
    }
}
