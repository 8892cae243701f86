package flowscale.runtime.cli;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.conformance.Conformance;
import flowscale.kernels.conformance.OpResult;
import flowscale.runtime.UserError;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code flowscale conformance}: runs the conformance suite (every op against the scalar reference) for one
 * backend or all of them, prints one row per op and exits 1 if any op fails.
 */
@Command(name = "conformance",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        sortOptions = false,
        description = {
            "Check every op of a backend against the scalar reference backend on seeded",
            "random inputs (vector tails, unaligned offsets, padded row strides, DiT shapes).",
            "Prints one row per op: op, cases, worst relative error",
            "max|a-b| / max(1, max|ref|), tolerance, ok or FAIL. Exits 1 if any op fails."})
public final class ConformanceCommand implements Callable<Integer> {

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "all",
            description = "Backend to check: 'all' (every backend this build provides) or a spec such as "
                    + "reference, cpu, cpu:THREADS.")
    String backend;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
            description = "Seed of the random inputs; the same seed gives the same cases.")
    long seed;

    @Option(names = "--quick", description = "Run a subset of the shapes of every op (a fast smoke check).")
    boolean quick;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<String> specs = "all".equals(backend) ? Backends.available() : List.of(backend);
        boolean allOk = true;
        for (String name : specs) {
            try (Backend b = open(name)) {
                allOk &= report(b, out);
            }
        }
        out.flush();
        return allOk ? Main.EXIT_OK : Main.EXIT_INTERNAL;
    }

    private static Backend open(String name) {
        try {
            return Backends.create(name);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    private boolean report(Backend b, PrintWriter out) {
        out.printf(Locale.ROOT, "backend %s (%d thread%s), seed %d, %s%n", b.name(), b.threads(),
                b.threads() == 1 ? "" : "s", seed, quick ? "quick" : "full");
        out.printf(Locale.ROOT, "%-18s %7s %14s %10s  %s%n", "op", "shapes", "worst-rel-err", "tolerance", "result");
        List<OpResult> failed = new ArrayList<>();
        for (String op : Conformance.ops()) {
            OpResult r = Conformance.run(b, op, seed, quick);
            out.printf(Locale.ROOT, "%-18s %7d %14s %10.1e  %s%n", r.op(), r.shapes(), error(r.worstError()),
                    r.tolerance(), r.ok() ? "ok" : "FAIL");
            out.flush();
            if (!r.ok()) failed.add(r);
        }
        for (OpResult r : failed) {
            out.println("FAIL " + r.op() + ": " + r.detail());
        }
        out.printf(Locale.ROOT, "%s: %d of %d ops ok%n%n", b.name(), Conformance.ops().size() - failed.size(),
                Conformance.ops().size());
        return failed.isEmpty();
    }

    private static String error(double e) {
        return Double.isInfinite(e) ? "inf" : String.format(Locale.ROOT, "%.2e", e);
    }
}
