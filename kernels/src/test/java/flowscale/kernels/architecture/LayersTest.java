package flowscale.kernels.architecture;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checker behind the layering tests, on the deliberate violations of the {@code fixture} packages. */
class LayersTest {
    private static final String FIXTURE = "flowscale.kernels.architecture.fixture.";
    private static final Path TEST_CLASSES = PackageDependencies.locationOf(LayersTest.class);

    private static Layers rule() {
        return new Layers()
                .layer("up", FIXTURE + "up")
                .layer("down", FIXTURE + "down", FIXTURE + "left", FIXTURE + "right");
    }

    @Test
    void downwardReferencesKeepTheRule() {
        List<PackageDependencies.Edge> edges = PackageDependencies.scan(TEST_CLASSES, FIXTURE + "up");
        assertEquals(List.of(FIXTURE + "up.Up -> " + FIXTURE + "down.Down"), edges.stream().map(Object::toString).toList());
        assertEquals(List.of(), rule().violations(edges));
    }

    @Test
    void anUpwardReferenceByTypeOrByNameIsReportedWithBothClasses() {
        List<String> v = rule().violations(PackageDependencies.scan(TEST_CLASSES, FIXTURE + "down"));
        assertEquals(2, v.size(), v.toString());
        assertEquals(FIXTURE + "down.BackUp -> " + FIXTURE + "up.Up: down (" + FIXTURE + "down) may not depend on up ("
                + FIXTURE + "up), a layer above it", v.get(0));
        assertTrue(v.get(1).startsWith(FIXTURE + "down.ByName -> " + FIXTURE + "up.Up: "), v.get(1));
    }

    @Test
    void aCycleIsReportedEvenInsideOneLayer() {
        List<PackageDependencies.Edge> edges = new ArrayList<>(PackageDependencies.scan(TEST_CLASSES, FIXTURE + "left"));
        edges.addAll(PackageDependencies.scan(TEST_CLASSES, FIXTURE + "right"));
        List<String> v = rule().violations(edges);
        assertEquals(List.of("package cycle " + FIXTURE + "left <-> " + FIXTURE + "right: "
                + FIXTURE + "left.Left -> " + FIXTURE + "right.Right, " + FIXTURE + "right.Right -> " + FIXTURE + "left.Left"), v);
    }

    @Test
    void aPackageInNoLayerIsReported() {
        Layers partial = new Layers().layer("up", FIXTURE + "up");
        List<String> v = partial.violations(PackageDependencies.scan(TEST_CLASSES, FIXTURE + "up"));
        assertEquals(List.of("package " + FIXTURE + "down is in no layer; add it to one"), v);
    }

    @Test
    void theLongestPatternPlacesAPackage() {
        Layers nested = new Layers().layer("up", FIXTURE + "up..").layer("rest", FIXTURE + ".");
        assertEquals(List.of(), nested.violations(PackageDependencies.scan(TEST_CLASSES, FIXTURE + "up")));
        assertEquals(2, nested.violations(PackageDependencies.scan(TEST_CLASSES, FIXTURE + "down")).size());
    }

    @Test
    void aScanMissingTheKnownReferenceFailsInsteadOfPassing() {
        PackageDependencies.Edge known = new PackageDependencies.Edge(FIXTURE + "up.Up", FIXTURE + "down.Down");
        assertEquals(List.of(), rule().violationsIn(TEST_CLASSES, FIXTURE + "up", known));
        assertThrows(IllegalStateException.class, () -> rule().violationsIn(TEST_CLASSES, FIXTURE + "left", known));
    }
}
