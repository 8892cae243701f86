package flowscale.runtime.cli;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The only class of the CLI that touches the Vector API, kept apart so that a JVM started without
 * {@code jdk.incubator.vector} fails when this class loads, where {@link InfoCommand} can catch it.
 */
final class VectorApiInfo {
    private VectorApiInfo() {}

    /** e.g. {@code "FloatVector.SPECIES_PREFERRED: 16 lanes, 512 bits"}. */
    static String preferredSpecies() {
        VectorSpecies<Float> s = FloatVector.SPECIES_PREFERRED;
        return "FloatVector.SPECIES_PREFERRED: " + s.length() + " lanes, " + s.vectorBitSize() + " bits";
    }
}
