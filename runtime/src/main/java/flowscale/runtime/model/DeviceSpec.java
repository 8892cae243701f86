package flowscale.runtime.model;

import flowscale.kernels.Backends;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One device of a {@link MultiDeviceModel}: a backend spec as {@link Backends#create} takes it ({@code cpu},
 * {@code cpu:1}, {@code opencl:0:0}, ...) and the weight of its share of every batch.
 *
 * <p>A device list is written {@code SPEC[@WEIGHT],SPEC[@WEIGHT],...}: {@code cpu:1,cpu:1} is two cpu
 * devices with one thread each and equal shares; {@code cpu@3,opencl:0:0@1} gives the cpu three quarters of
 * each batch. Weights default to 1. The {@code reference}, {@code cpu[:N]} and {@code opencl:P:D} specs never
 * contain {@code ,} or {@code @}; a device picked by {@code opencl:NAME} must be named by a part of its name
 * without them. {@link #parseList} is the only parser of this syntax.
 */
public record DeviceSpec(String backend, double weight) {
    /** How the syntax is written, for help texts and messages. */
    public static final String SYNTAX = "SPEC[@WEIGHT],SPEC[@WEIGHT],...";

    public DeviceSpec {
        if (backend == null || backend.isBlank()) throw new IllegalArgumentException("a device needs a backend spec");
        if (!(weight > 0) || !Double.isFinite(weight)) {
            throw new IllegalArgumentException("device '" + backend + "': weight " + weight + " is not a positive finite number");
        }
        backend = backend.strip();
    }

    /** A device with the default weight 1. */
    public static DeviceSpec of(String backend) {
        return new DeviceSpec(backend, 1.0);
    }

    /**
     * Parses a device list (see the class comment).
     *
     * @throws IllegalArgumentException (one line, naming the syntax and the backends this build offers) for an
     *                                  empty list, an empty entry or a weight that is not a positive number
     */
    public static List<DeviceSpec> parseList(String text) {
        if (text == null || text.isBlank()) throw bad(text, "no devices given");
        String[] entries = text.strip().split(",", -1);
        List<DeviceSpec> devices = new ArrayList<>(entries.length);
        for (int i = 0; i < entries.length; i++) {
            String entry = entries[i].strip();
            String where = "device " + (i + 1) + " of " + entries.length;
            if (entry.isEmpty()) throw bad(text, where + " is empty");
            int at = entry.indexOf('@');
            if (at != entry.lastIndexOf('@')) throw bad(text, where + " ('" + entry + "') has more than one '@'");
            String backend = at < 0 ? entry : entry.substring(0, at).strip();
            if (backend.isEmpty()) throw bad(text, where + " ('" + entry + "') has no backend before '@'");
            double weight = at < 0 ? 1.0 : parseWeight(text, where, entry.substring(at + 1).strip());
            devices.add(new DeviceSpec(backend, weight));
        }
        return List.copyOf(devices);
    }

    private static double parseWeight(String text, String where, String number) {
        double w;
        try {
            w = Double.parseDouble(number);
        } catch (NumberFormatException e) {
            w = Double.NaN;
        }
        if (!(w > 0) || !Double.isFinite(w)) {
            throw bad(text, where + " has weight '" + number + "'; a weight is a positive number");
        }
        return w;
    }

    private static IllegalArgumentException bad(String text, String why) {
        return new IllegalArgumentException(String.format(Locale.ROOT, "devices '%s': %s; write %s with SPEC one of %s",
                text == null ? "" : text.strip(), why, SYNTAX, Backends.describeAvailable()));
    }

    @Override
    public String toString() {
        return weight == 1.0 ? backend : backend + "@" + weight;
    }
}
