package flowscale.runtime.cli;

import flowscale.runtime.search.SearchMethods;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Completes the description of {@code generate --search-opt} with every method's settings, generated from the
 * methods' settings records ({@link SearchMethods#help()}), so the help lists each key with its default and allowed
 * values and cannot drift from what the methods take. picocli runs it while it builds the command, since an
 * annotation's text has to be a constant.
 */
final class SearchOptionHelp implements CommandLine.IModelTransformer {
    static final String OPTION = "--search-opt";

    @Override
    public CommandSpec transform(CommandSpec spec) {
        // Options are listed in the order they were added: take out the option and those after it, put them back.
        List<OptionSpec> options = new ArrayList<>(spec.options());
        int at = options.indexOf(spec.findOption(OPTION));
        List<OptionSpec> tail = new ArrayList<>(options.subList(at, options.size()));
        tail.forEach(spec::remove);
        OptionSpec old = tail.getFirst();
        List<String> description = new ArrayList<>(List.of(old.description()));
        description.addAll(SearchMethods.help());
        tail.set(0, OptionSpec.builder(old).description(description.toArray(String[]::new)).build());
        tail.forEach(spec::addOption);
        return spec;
    }
}
