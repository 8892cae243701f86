package flowscale.kernels.reference;

import flowscale.kernels.Backend;
import flowscale.kernels.BackendProvider;

import java.util.List;

/** {@code reference}: the scalar oracle, always available, no arguments. */
public final class ReferenceProvider implements BackendProvider {
    @Override public String name() { return "reference"; }

    @Override public String usage() { return "reference"; }

    @Override public boolean available() { return true; }

    @Override
    public Backend create(String spec, List<String> args) {
        if (!args.isEmpty()) {
            throw new IllegalArgumentException("backend '" + spec + "': 'reference' takes no arguments");
        }
        return new ReferenceBackend();
    }
}
