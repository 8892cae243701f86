package flowscale.kernels.conformance;

import java.util.function.Consumer;

/** One op of the suite: its name, its bound, and the cases it runs through a {@link Harness}. */
record OpCheck(String op, double tolerance, Consumer<Harness> cases) {
}
