package flowscale.bench;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.NoiseScheme;
import flowscale.kernels.TransferCounter;
import flowscale.runtime.application.SearchBatch;
import flowscale.runtime.data.PromptParser;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.model.DeviceSpec;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.HostPath;
import flowscale.runtime.model.MultiDeviceModel;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.Rewards;
import flowscale.runtime.search.LevelRecord;
import flowscale.runtime.search.SearchConfig;
import flowscale.runtime.search.SearchListener;
import flowscale.runtime.search.SearchMethods;
import flowscale.runtime.search.SearchProblem;
import flowscale.runtime.search.SearchResult;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Bytes moved between host and device per NFE by the main job's search (RBF, VP-SDE, counting reward, 500 NFE,
 * seed 0, "2 red circles and 1 blue square") on the shipped model: the backend's {@link TransferCounter} is reset
 * after the weights are loaded, one search runs, and the uploaded and downloaded bytes are divided by its NFE.
 * Also prints the best reward, a hash of the best image and of the trace's rewards and acceptances, so that runs
 * (backends, code versions) can be compared; given several backends (comma-separated), the largest difference of
 * each one's best image from the first one's.
 *
 * <p>A backend written {@code A+B+...} is the model spread over those devices as {@code --devices A,B,...} spreads it,
 * with the search's particles spread over them too; {@code host:A+B+...} the same model seen without its devices'
 * shares (particles on the host, what {@code --devices} did before); bytes are summed over the devices.
 *
 * <p>With a fourth argument {@code N}, the 8 prompts of {@code bench/results/concurrent-searches/prompts-8.txt} run as
 * {@code generate --prompts --concurrent-searches N} runs them ({@link SearchBatch}: N at a time, sharing model calls),
 * and the bytes are divided by their NFE; {@code host-N} does the same with the model seen without its device path
 * (what shared calls did before they kept the particles on the device); several, comma-separated, run one after the
 * other in this JVM, each timed (wall clock of the 8 searches).
 *
 * <p>Run ({@code LD_PRELOAD} for PoCL, see design.md): {@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so java
 * --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp bench/target/benchmarks.jar
 * flowscale.bench.DeviceTrafficProbe [BACKENDS] [NOISE_SCHEME] [CHECKPOINT] [MODES]} (defaults {@code opencl},
 * the default noise scheme ({@code quantile-v2}), {@code weights/shapes-dit.safetensors}).
 */
public final class DeviceTrafficProbe {
    private DeviceTrafficProbe() {}

    public static void main(String[] args) {
        List<String> specs = List.of((args.length > 0 ? args[0] : "opencl").split(","));
        NoiseScheme scheme = NoiseScheme.named(args.length > 1 ? args[1] : NoiseScheme.DEFAULT.id());
        Path checkpoint = Path.of(args.length > 2 ? args[2] : "weights/shapes-dit.safetensors");
        if (args.length > 3) {
            for (String mode : args[3].split(",")) for (String spec : specs) shared(spec, scheme, checkpoint, mode);
            return;
        }
        float[] first = null;
        for (String spec : specs) {
            float[] best = probe(spec, scheme, checkpoint);
            if (first == null) {
                first = best;
            } else {
                float worst = 0;
                for (int i = 0; i < first.length; i++) worst = Math.max(worst, Math.abs(first[i] - best[i]));
                System.out.printf(Locale.ROOT, "best image against %s's: max |difference| %.3g%n", specs.get(0), worst);
            }
        }
    }

    private static void shared(String spec, NoiseScheme scheme, Path checkpoint, String mode) {
        boolean host = mode.startsWith("host-");
        int concurrent = Integer.parseInt(host ? mode.substring(5) : mode);
        List<String> prompts;
        try {
            prompts = java.nio.file.Files.readAllLines(Path.of("bench/results/concurrent-searches/prompts-8.txt")).stream()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        List<Backend> backends = new java.util.ArrayList<>();
        try (VelocityModel loaded = spec.contains("+")
                ? MultiDeviceModel.load(checkpoint, DeviceSpec.parseList(spec.replace('+', ',')), 1.0, DiT.DEFAULT_MAX_BATCH_ROWS)
                : DiT.load(checkpoint, Backends.create(spec))) {
            if (loaded instanceof MultiDeviceModel m) {
                for (int d = 0; d < m.devices(); d++) backends.add(m.model(d).backend());
            } else {
                backends.add(((DiT) loaded).backend());
            }
            VelocityModel model = host ? new HostPath(loaded) : loaded;
            List<SearchBatch.Job<SearchResult>> jobs = prompts.stream().<SearchBatch.Job<SearchResult>>map(p -> view ->
                    SearchMethods.create("rbf", SearchConfig.parse(List.of())).run(new SearchProblem(view, Sampler.named("vp-sde"),
                            Rewards.named("counting"), PromptParser.parse(p).toCondition(), 500, 0, 0, SearchListener.NONE, scheme))).toList();
            backends.forEach(b -> b.transfers().reset());
            long nfe = 0;
            long hash = 0;
            long start = System.nanoTime();
            for (SearchBatch.Outcome<SearchResult> o : SearchBatch.run(model, jobs, concurrent, () -> false, x -> {})) {
                if (!o.ok()) throw new IllegalStateException("search " + o.index() + " failed", o.failure());
                nfe += o.result().trace().nfe();
                hash = 31 * hash + Arrays.hashCode(o.result().best());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long up = 0, down = 0;
            for (Backend b : backends) {
                up += b.transfers().uploadedBytes();
                down += b.transfers().downloadedBytes();
            }
            System.out.printf(Locale.ROOT, "%s, noise %s, %d prompts, %d at a time%s, rbf vp-sde 500 NFE each, seed 0: %.2f s%n",
                    spec, scheme.id(), prompts.size(), concurrent, host ? ", particles on the host" : "", seconds);
            System.out.printf(Locale.ROOT, "NFE %d, hash of the best images %016x%n", nfe, hash);
            System.out.printf(Locale.ROOT, "uploaded %,.1f B, downloaded %,.1f B, total %,.1f B per NFE (one latent: %,d B)%n",
                    up / (double) nfe, down / (double) nfe, (up + down) / (double) nfe, (long) loaded.dim() * Float.BYTES);
        } finally {
            if (!spec.contains("+")) backends.forEach(Backend::close);
        }
    }

    /**
     * The main job's search over several devices ({@code A+B+...}, as {@code --devices A,B,...}), its particles spread over
     * them ({@code host:A+B} sees the model without its shards: the particles stay on the host); bytes summed over the
     * devices' backends.
     */
    private static float[] spread(String spec, NoiseScheme scheme, Path checkpoint) {
        boolean host = spec.startsWith("host:");
        String list = (host ? spec.substring(5) : spec).replace('+', ',');
        try (MultiDeviceModel model = MultiDeviceModel.load(checkpoint, DeviceSpec.parseList(list), 1.0, DiT.DEFAULT_MAX_BATCH_ROWS)) {
            List<TransferCounter> counters = new java.util.ArrayList<>();
            for (int d = 0; d < model.devices(); d++) counters.add(model.model(d).backend().transfers());
            counters.forEach(TransferCounter::reset);
            VelocityModel seen = host ? new HostPath(model) : model;
            SearchProblem problem = new SearchProblem(seen, Sampler.named("vp-sde"), Rewards.named("counting"),
                    PromptParser.parse("2 red circles and 1 blue square").toCondition(), 500, 0, 0, SearchListener.NONE, scheme);
            long start = System.nanoTime();
            SearchResult r = SearchMethods.create("rbf", SearchConfig.parse(List.of())).run(problem);
            double seconds = (System.nanoTime() - start) / 1e9;
            long nfe = r.trace().nfe(), up = 0, down = 0;
            for (TransferCounter c : counters) {
                up += c.uploadedBytes();
                down += c.downloadedBytes();
            }
            System.out.printf(Locale.ROOT, "devices %s%s, noise %s, rbf vp-sde 500 NFE, seed 0: %.2f s%n", list,
                    host ? " (particles on the host)" : model.shards() != null ? " (particles spread over the devices)" : "", scheme.id(), seconds);
            System.out.printf(Locale.ROOT, "NFE %d, best reward %.6f, best image hash %08x%n", nfe, r.bestReward(), Arrays.hashCode(r.best()));
            System.out.printf(Locale.ROOT, "uploaded %,.1f B, downloaded %,.1f B, total %,.1f B per NFE%n",
                    up / (double) nfe, down / (double) nfe, (up + down) / (double) nfe);
            return r.best();
        }
    }

    private static float[] probe(String spec, NoiseScheme scheme, Path checkpoint) {
        if (spec.contains("+")) return spread(spec, scheme, checkpoint);
        String prompt = "2 red circles and 1 blue square";
        try (Backend backend = Backends.create(spec); DiT dit = DiT.load(checkpoint, backend)) {
            TransferCounter counter = backend.transfers();
            counter.reset();
            SearchProblem problem = new SearchProblem(dit, Sampler.named("vp-sde"), Rewards.named("counting"),
                    PromptParser.parse(prompt).toCondition(), 500, 0, 0, SearchListener.NONE, scheme);
            SearchResult r = SearchMethods.create("rbf", SearchConfig.parse(List.of())).run(problem);
            long nfe = r.trace().nfe();
            System.out.printf(Locale.ROOT, "backend %s, noise %s, rbf vp-sde 500 NFE, \"%s\", seed 0%n", backend.name(), scheme.id(), prompt);
            System.out.printf(Locale.ROOT, "NFE %d, reward calls %d, best reward %.6f, best image hash %08x%n",
                    nfe, r.trace().rewardCalls(), r.bestReward(), Arrays.hashCode(r.best()));
            long levels = 0;
            for (LevelRecord level : r.trace().levels()) levels = 31 * levels + Arrays.hashCode(level.rewards()) + level.accepted();
            System.out.printf(Locale.ROOT, "trace: %d level records, hash of their rewards and acceptances %016x%n", r.trace().levels().size(), levels);
            System.out.printf(Locale.ROOT, "uploaded   %,d B in %,d transfers: %,.1f B per NFE%n",
                    counter.uploadedBytes(), counter.uploads(), counter.uploadedBytes() / (double) nfe);
            System.out.printf(Locale.ROOT, "downloaded %,d B in %,d transfers: %,.1f B per NFE%n",
                    counter.downloadedBytes(), counter.downloads(), counter.downloadedBytes() / (double) nfe);
            System.out.printf(Locale.ROOT, "total      %,.1f B per NFE (one latent: %,d B)%n",
                    counter.totalBytes() / (double) nfe, (long) dit.dim() * Float.BYTES);
            return r.best();
        }
    }
}
