package flowscale.kernels;

import java.util.List;

/** A provider that only the service-loading test lists, to see that providers after a missing one are still found. */
public final class StubProvider implements BackendProvider {
    @Override public String name() { return "stub"; }

    @Override public String usage() { return "stub"; }

    @Override public boolean available() { return false; }

    @Override
    public Backend create(String spec, List<String> args) {
        throw new IllegalArgumentException("the stub provider creates nothing");
    }
}
