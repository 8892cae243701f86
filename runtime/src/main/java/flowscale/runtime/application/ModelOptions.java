package flowscale.runtime.application;

import flowscale.runtime.UserError;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * How {@code generate} wants a model opened: the kernel backend (image models; the analytic toys run on
 * the host and ignore it), the classifier-free guidance scale (1 = off), when not null a device list
 * ({@code --devices}, parsed by {@link flowscale.runtime.model.DeviceSpec#parseList}) that replaces the backend,
 * the FLUX.1 pipeline's own options ({@link FluxOptions}), and where a source reports what it does before a long
 * load (FLUX's memory plan).
 */
public record ModelOptions(String backend, double guidanceScale, String devices, FluxOptions flux, Consumer<String> log) {
    public static final ModelOptions DEFAULTS = new ModelOptions("cpu", 1.0);

    public ModelOptions {
        if (backend == null || backend.isBlank()) throw new UserError("--backend must name a backend");
        if (!Double.isFinite(guidanceScale)) throw new UserError("--cfg must be a finite number, got " + guidanceScale);
        if (devices != null && devices.isBlank()) throw new UserError("--devices must list at least one device");
        Objects.requireNonNull(flux, "flux");
        Objects.requireNonNull(log, "log");
    }

    /** A device list (or null) and no FLUX options; nothing reported. */
    public ModelOptions(String backend, double guidanceScale, String devices) {
        this(backend, guidanceScale, devices, FluxOptions.NONE, line -> {});
    }

    /** One backend, no device list. */
    public ModelOptions(String backend, double guidanceScale) {
        this(backend, guidanceScale, null);
    }

    /** Whether the model is to be spread over a device list rather than run on one backend. */
    public boolean multiDevice() {
        return devices != null;
    }
}
