package flowscale.runtime.application;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsException;
import flowscale.runtime.UserError;
import flowscale.runtime.data.PromptParser;
import flowscale.runtime.data.Vocabulary;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DiT;
import flowscale.runtime.model.DiTCheckpoints;
import flowscale.runtime.model.DiTConfig;
import flowscale.runtime.model.DeviceSpec;
import flowscale.runtime.model.MultiDeviceModel;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.reward.ImageScore;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.reward.Rewards;
import flowscale.runtime.search.SearchResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * DiT checkpoints ({@code --model FILE.safetensors}): the model runs on {@code --backend} with guidance
 * {@code --cfg}, or spread over the devices of {@code --devices} ({@link MultiDeviceModel}); the prompt is
 * parsed by {@link PromptParser}; rewards are the shapes-world ones ({@code counting} by default). Outputs:
 * see {@link ImageOutputs}.
 */
final class DiTModelSource implements ModelSource {
    @Override
    public boolean accepts(String spec) {
        return spec.endsWith(".safetensors") || Files.isRegularFile(Path.of(spec));
    }

    @Override
    public String describe() {
        return "FILE.safetensors (a DiT checkpoint)";
    }

    @Override
    public LoadedModel open(String spec, ModelOptions options) {
        Path file = Path.of(spec);
        if (!Files.isRegularFile(file)) throw new UserError("model file " + spec + " does not exist");
        options.flux().refuseFor(spec);
        return options.multiDevice() ? openOnDevices(spec, file, options) : openOnBackend(spec, file, options);
    }

    private static LoadedModel openOnBackend(String spec, Path file, ModelOptions options) {
        Backend backend;
        try {
            backend = Backends.create(options.backend());
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        try {
            DiT dit = DiT.load(file, backend, options.guidanceScale(), DiT.DEFAULT_MAX_BATCH_ROWS);
            checkVocabulary(spec, dit.config());
            return new LoadedDiT(spec, dit, dit.config(), backend.name(), dit.guidanceScale(), () -> {
                dit.close();
                backend.close();
            });
        } catch (CheckpointException | IllegalArgumentException e) {
            backend.close();
            throw new UserError(e.getMessage(), e);
        } catch (RuntimeException e) {
            backend.close();
            throw e;
        }
    }

    /** {@code --devices}: one copy of the model per device, each batch split between them. */
    private static LoadedModel openOnDevices(String spec, Path file, ModelOptions options) {
        List<DeviceSpec> devices;
        try {
            devices = DeviceSpec.parseList(options.devices());
            // Before loading anything: a checkpoint that prompts cannot use fails the same on every device.
            checkVocabulary(spec, DiTCheckpoints.readConfig(file));
        } catch (CheckpointException | SafetensorsException | IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        MultiDeviceModel model;
        try {
            model = MultiDeviceModel.load(file, devices, options.guidanceScale(), DiT.DEFAULT_MAX_BATCH_ROWS);
        } catch (CheckpointException | IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        String where = devices.size() + " device" + (devices.size() == 1 ? "" : "s") + " " + devices;
        return new LoadedDiT(spec, model, model.config(), where, model.guidanceScale(), model::close);
    }

    /** The checkpoint's condition tables must cover the prompt language, or prompts would index past them. */
    private static void checkVocabulary(String spec, DiTConfig c) {
        if (c.numColours() < Vocabulary.COLOURS || c.numShapes() < Vocabulary.SHAPES
                || c.maxCount() < Vocabulary.MAX_COUNT || c.maxGroups() < Vocabulary.MAX_GROUPS) {
            throw new UserError(String.format(Locale.ROOT,
                    "model %s is for %d colours, %d shapes, counts up to %d, %d groups; prompts need %d, %d, %d, %d",
                    spec, c.numColours(), c.numShapes(), c.maxCount(), c.maxGroups(),
                    Vocabulary.COLOURS, Vocabulary.SHAPES, Vocabulary.MAX_COUNT, Vocabulary.MAX_GROUPS));
        }
    }

    private static final class LoadedDiT implements LoadedModel {
        private final String spec;
        private final VelocityModel model;
        private final DiTConfig config;
        private final String where;
        private final double guidanceScale;
        private final Runnable closer;

        /** {@code where}: the backend or devices it runs on, for the summary; {@code closer} releases them. */
        LoadedDiT(String spec, VelocityModel model, DiTConfig config, String where, double guidanceScale, Runnable closer) {
            this.spec = spec;
            this.model = model;
            this.config = config;
            this.where = where;
            this.guidanceScale = guidanceScale;
            this.closer = closer;
        }

        @Override
        public VelocityModel model() {
            return model;
        }

        @Override
        public String kind() {
            DiTConfig c = config;
            return String.format(Locale.ROOT, "dit D=%d depth=%d heads=%d on %s%s", c.hiddenSize(), c.depth(),
                    c.numHeads(), where, guidanceScale == 1.0 ? "" : ", cfg " + guidanceScale);
        }

        @Override
        public Condition condition(String prompt) {
            if (prompt == null || prompt.isBlank()) {
                throw new UserError("--prompt is required for image models, e.g. --prompt \"2 red circles and 1 blue square\"");
            }
            return PromptParser.parse(prompt).toCondition();
        }

        @Override
        public String defaultReward() {
            return "counting";
        }

        @Override
        public List<String> rewardNames() {
            return Rewards.NAMES;
        }

        @Override
        public Reward reward(String name) {
            return Rewards.named(name);
        }

        @Override
        public List<String> writeOutputs(Path dir, SearchResult result, Reward reward, RunInfo run) throws IOException {
            int size = config.imageSize();
            return ImageOutputs.write(dir, result, reward, run, new ImageOutputs.Pictures() {
                @Override public int height() { return size; }
                @Override public int width() { return size; }
                @Override public float[] image(float[] sample) { return sample; }
                @Override public ImageScore score(float[] image, RunInfo r) { return ImageScore.of(image, PromptParser.parse(r.prompt())); }
            }, kind());
        }

        @Override
        public void close() {
            closer.run();
        }

        @Override
        public String toString() {
            return spec;
        }
    }
}
