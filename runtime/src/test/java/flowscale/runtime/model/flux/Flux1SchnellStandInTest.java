package flowscale.runtime.model.flux;

import flowscale.loader.DType;
import flowscale.runtime.model.CheckpointException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real {@code flux1-schnell.safetensors}, header-exact (every name, shape and offset of BFL's release, from
 * its key list) with its 23.8 GB of data left as a hole in a sparse file: recognised as FLUX.1-schnell with
 * the released configuration, every tensor mapped (not read), and its memory planned and refused where it
 * does not fit.
 */
class Flux1SchnellStandInTest {
    private static final FluxConfig FLUX1_SCHNELL =
            new FluxConfig(3072, 24, 19, 38, 12288, 64, 64, 4096, 768, new int[] {16, 56, 56}, 10_000, true, false);

    @TempDir
    Path dir;

    @Test
    void realCheckpointHeaderIsRecognisedMappedAndPlanned() throws IOException {
        TreeMap<String, long[]> shapes = keyList();
        Path file = dir.resolve("flux1-schnell.safetensors");
        long dataBytes = writeSparse(file, shapes);
        assertTrue(dataBytes > 23.7e9 && dataBytes < 23.9e9, "the released file's 23.8 GB (11.9 B BF16 parameters): " + dataBytes);
        assertTrue(Files.size(file) > dataBytes, "apparent size covers the data");

        try (FluxCheckpoint c = FluxCheckpoint.open(file)) {
            assertEquals(FluxLayout.BFL, c.layout());
            assertEquals(FLUX1_SCHNELL, c.config());
            assertEquals("FLUX.1-schnell", c.config().variant());
            assertEquals(dataBytes / 2, FluxParameters.count(c.config()), "the declared parameters are exactly the file's");
            long mapped = 0;
            for (Map.Entry<String, long[]> e : FluxKeyMap.storedTensors(c.keyMap()).entrySet()) {
                MemorySegment bytes = c.bytes(e.getKey());
                assertTrue(bytes.isMapped(), e.getKey() + " is a view of the mapped file");
                long elements = 1;
                for (long d : e.getValue()) elements *= d;
                assertEquals(2 * elements, bytes.byteSize(), e.getKey());
                mapped += bytes.byteSize();
            }
            assertEquals(dataBytes, mapped);

            FluxMemoryPlan plan = FluxMemoryPlan.of(c, 1, 1024, 1024, 256);
            System.out.println("flux1-schnell stand-in: " + c.describe());
            System.out.println("memory plan at 1024x1024, batch 1: " + plan);
            assertEquals(Map.of(DType.BF16, dataBytes), plan.storedBytes());
            assertEquals(4096, plan.imageTokens());
            assertTrue(plan.weightBytes() >= dataBytes && plan.weightBytes() < dataBytes * 1.001, "16-bit weights stay 16-bit: " + plan);
            assertTrue(plan.activationBytes() > 1e9 && plan.activationBytes() < 4e9, plan.toString());
            CheckpointException e = assertThrows(CheckpointException.class, () -> plan.requireFits(16_000_000_000L));
            assertTrue(e.getMessage().startsWith("FLUX needs ") && e.getMessage().contains("only 16.00 GB"), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), e.getMessage());
            plan.requireFits(64_000_000_000L);
            FluxMemoryPlan four = FluxMemoryPlan.of(c, 4, 512, 512, 256);
            System.out.println("memory plan at 512x512, batch 4: " + four);
            assertThrows(IllegalArgumentException.class, () -> FluxMemoryPlan.of(c, 1, 1000, 1024, 256));
        }
    }

    private static TreeMap<String, long[]> keyList() throws IOException {
        TreeMap<String, long[]> shapes = SparseStandIn.keyList(FluxFixtures.resource("flux1-schnell.keys.json"));
        assertEquals(776, shapes.size());
        return shapes;
    }

    /** BF16 tensors in name order, back to back, as the release lays them out; the data section is never written. */
    private static long writeSparse(Path file, TreeMap<String, long[]> shapes) throws IOException {
        return SparseStandIn.write(file, shapes, "BF16");
    }
}
