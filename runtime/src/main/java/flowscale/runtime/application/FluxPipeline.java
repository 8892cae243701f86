package flowscale.runtime.application;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.loader.SafetensorsException;
import flowscale.runtime.UserError;
import flowscale.runtime.flow.Sampler;
import flowscale.runtime.flow.TimeShift;
import flowscale.runtime.model.CheckpointException;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.DeviceSpec;
import flowscale.runtime.model.LatentDecoder;
import flowscale.runtime.model.MultiDeviceModel;
import flowscale.runtime.model.PromptEmbedding;
import flowscale.runtime.model.VelocityModel;
import flowscale.runtime.model.flux.FluxCheckpoint;
import flowscale.runtime.model.flux.FluxConfig;
import flowscale.runtime.model.flux.FluxTransformer;
import flowscale.runtime.model.flux.FluxVelocityModel;
import flowscale.runtime.model.vae.PackedLatentDecoder;
import flowscale.runtime.model.vae.VaeDecoder;
import flowscale.runtime.reward.DecodedPixelReward;
import flowscale.runtime.reward.PixelRewards;
import flowscale.runtime.reward.Reward;
import flowscale.runtime.reward.Rewards;
import flowscale.runtime.search.SearchResult;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * A FLUX.1 pipeline as {@link FluxModelSource} checked it (transformer configuration, VAE, token grid, guidance, text
 * encoders), bound here to one backend or to the devices of {@code --devices}, and the {@link LoadedModel} it becomes:
 * prompts as embeddings, BFL's schedules, rewards on decoded images, decoded outputs.
 */
record FluxPipeline(String spec, FluxConfig config, Path vae, int rows, int cols, int[] size, double guidance,
                    Function<String, PromptEmbedding> encoder) {

    LoadedModel onBackend(FluxCheckpoint checkpoint, String backendSpec) {
        Backend backend;
        try {
            backend = Backends.create(backendSpec);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        // The decoder has a backend of its own: searches that run together decode on their own threads while the
        // shared model call runs on another, and one backend's ops are not made for two threads at once.
        Backend vaeBackend = null;
        try {
            FluxVelocityModel model = velocityModel(checkpoint, backend);
            vaeBackend = Backends.create(backendSpec);
            LatentDecoder decoder = decoder(vaeBackend);
            Backend b = vaeBackend;
            return new LoadedFlux(this, model, decoder, backend.name(), () -> {
                try {
                    decoder.close();
                } finally {
                    b.close();
                    backend.close();
                    checkpoint.close();
                }
            });
        } catch (RuntimeException | Error e) {
            if (vaeBackend != null) vaeBackend.close();
            backend.close();
            throw e;
        }
    }

    LoadedModel onDevices(FluxCheckpoint checkpoint, List<DeviceSpec> devices) {
        MultiDeviceModel model;
        try {
            model = MultiDeviceModel.open(devices, backend -> velocityModel(checkpoint, backend));
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage(), e);
        }
        // The decoder runs on a backend of its own (see onBackend), of the first device's kind.
        Backend vaeBackend = null;
        try {
            vaeBackend = Backends.create(devices.getFirst().backend());
            LatentDecoder decoder = decoder(vaeBackend);
            Backend b = vaeBackend;
            String where = devices.size() + " device" + (devices.size() == 1 ? "" : "s") + " " + devices;
            return new LoadedFlux(this, model, decoder, where, () -> {
                try {
                    decoder.close();
                } finally {
                    b.close();
                    model.close();
                    checkpoint.close();
                }
            });
        } catch (RuntimeException | Error e) {
            if (vaeBackend != null) vaeBackend.close();
            model.close();
            if (e instanceof IllegalArgumentException) throw new UserError(e.getMessage(), e);
            throw e;
        }
    }

    FluxVelocityModel velocityModel(FluxCheckpoint checkpoint, Backend backend) {
        try {
            return new FluxVelocityModel(FluxTransformer.load(checkpoint, backend), rows, cols, guidance, FluxModelSource.MAX_BATCH);
        } catch (CheckpointException e) {
            throw new UserError(e.getMessage(), e);
        }
    }

    LatentDecoder decoder(Backend backend) {
        VaeDecoder vaeDecoder;
        try {
            vaeDecoder = VaeDecoder.load(vae, backend);
        } catch (CheckpointException | SafetensorsException e) {
            throw new UserError("--vae: " + e.getMessage(), e);
        }
        try {
            return new PackedLatentDecoder(vaeDecoder, backend, rows, cols);
        } catch (IllegalArgumentException e) {
            vaeDecoder.close();
            throw new UserError("--vae " + vae + ": " + e.getMessage(), e);
        }
    }

    static final class LoadedFlux implements LoadedModel {
        private final FluxPipeline flux;
        private final VelocityModel model;
        private final LatentDecoder decoder;
        private final String where;
        private final Runnable closer;
        private boolean closed;

        LoadedFlux(FluxPipeline flux, VelocityModel model, LatentDecoder decoder, String where, Runnable closer) {
            this.flux = flux;
            this.model = model;
            this.decoder = decoder;
            this.where = where;
            this.closer = closer;
        }

        private boolean dev() {
            return flux.config().guidanceEmbed();
        }

        @Override
        public VelocityModel model() {
            return model;
        }

        @Override
        public String kind() {
            FluxConfig c = flux.config();
            return String.format(Locale.ROOT, "flux %s D=%d depth=%d+%d heads=%d, %dx%d px (%dx%d tokens) on %s%s",
                    dev() ? "dev-style" : "schnell-style", c.hiddenSize(), c.depth(), c.depthSingle(), c.numHeads(),
                    flux.size()[0], flux.size()[1], flux.cols(), flux.rows(), where, dev() ? ", guidance " + flux.guidance() : "");
        }

        @Override
        public Condition condition(String prompt) {
            if (flux.encoder() == null || prompt == null || prompt.isBlank()) {
                throw new UserError("FLUX.1 is conditioned on prompt embeddings: give --prompt-embeds FILE (txt [L, "
                        + flux.config().contextDim() + "], vec [" + flux.config().vecDim() + "])"
                        + (flux.encoder() == null ? "; prompt text needs text encoders, which are not loaded" : ""));
            }
            return condition(prompt, flux.encoder().apply(prompt));
        }

        @Override
        public Condition condition(String prompt, PromptEmbedding embedding) {
            FluxConfig c = flux.config();
            if (embedding.txtWidth() != c.contextDim() || embedding.vec().length != c.vecDim()) {
                throw new UserError(String.format(Locale.ROOT, "prompt embeddings '%s' are txt [%d, %d] and vec [%d] but %s reads"
                                + " txt [L, %d] and vec [%d]", UserError.oneLine(prompt), embedding.tokens(), embedding.txtWidth(),
                        embedding.vec().length, flux.spec(), c.contextDim(), c.vecDim()));
            }
            return Condition.ofEmbedding(prompt, embedding);
        }

        @Override
        public int defaultSteps() {
            return dev() ? FluxModelSource.DEV_STEPS : FluxModelSource.SCHNELL_STEPS;
        }

        @Override
        public Sampler schedule(Sampler sampler) {
            return dev() ? sampler.withTimeShift(TimeShift.forImageTokens(flux.rows() * flux.cols())) : sampler;
        }

        @Override
        public Map<String, Object> traceFields() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("vae", flux.vae().toString());
            m.put("size", flux.size()[0] + "x" + flux.size()[1]);
            if (dev()) {
                m.put("guidance", flux.guidance());
                m.put("timeShiftMu", TimeShift.forImageTokens(flux.rows() * flux.cols()).mu());
            }
            return m;
        }

        @Override
        public String defaultReward() {
            return FluxModelSource.DEFAULT_REWARD;
        }

        @Override
        public List<String> rewardNames() {
            return List.of(PixelRewards.USAGE);
        }

        @Override
        public Reward reward(String name) {
            if (Rewards.NAMES.contains(name)) {
                throw new UserError("reward " + name + " needs a shapes-world prompt; FLUX.1's condition is prompt embeddings,"
                        + " which have none; FLUX rewards: " + PixelRewards.USAGE);
            }
            return new DecodedPixelReward(PixelRewards.named(name), decoder);
        }

        @Override
        public List<String> writeOutputs(Path dir, SearchResult result, Reward reward, RunInfo run) throws IOException {
            return ImageOutputs.write(dir, result, reward, run, new ImageOutputs.Pictures() {
                @Override public int height() { return decoder.height(); }
                @Override public int width() { return decoder.width(); }
                @Override public float[] image(float[] sample) { return decoder.decode(sample); }
            }, kind());
        }

        @Override
        public void close() {
            if (closed) return;
            closed = true;
            closer.run();
        }

        @Override
        public String toString() {
            return flux.spec();
        }
    }
}
