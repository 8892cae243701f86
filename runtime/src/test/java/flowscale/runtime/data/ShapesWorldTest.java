package flowscale.runtime.data;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapesWorldTest {
    private final ShapesWorld world = new ShapesWorld();

    @Test
    void sameSeedAndIndexGiveTheSameImage() {
        for (int i = 0; i < 20; i++) {
            Scene a = world.scene(42, i);
            Scene b = new ShapesWorld().scene(42, i);
            assertArrayEquals(a.image(), b.image());
            assertEquals(a.text(), b.text());
            assertEquals(a.objects(), b.objects());
        }
        assertFalse(Arrays.equals(world.scene(42, 0).image(), world.scene(43, 0).image()));
        assertFalse(Arrays.equals(world.scene(42, 0).image(), world.scene(42, 1).image()));
    }

    /** Fixed hashes: a change of the generator or a platform difference in rasterisation shows here. */
    @Test
    void imagesMatchTheHashFixture() throws Exception {
        String[] expected = {
            "68fc2e5898bf7b5148e99cb0d2addb5bbf563333715b89a391fc7ac15a25f0c3",
            "660dbcaf74d0bcaf6d08e155077ff709a24edd13fb7475d33656e08b481c00c9",
            "c168b8c25f99c21f51ba3d4f3041187cf6a7e7234c62b428e5a3b5075673792c",
            "bd6c338ee0d0bae168c876e44244ea684cb73cda0c78d941bc201582371a6675",
        };
        String[] prompts = {
            "2 green triangles and 1 yellow circle and 4 yellow squares", "4 blue squares", "3 yellow triangles", "2 blue circles",
        };
        for (int i = 0; i < expected.length; i++) {
            Scene s = world.scene(7, i);
            assertEquals(prompts[i], s.text(), "prompt of scene " + i);
            assertEquals(expected[i], sha256(s.image()), "image of scene " + i);
        }
        Scene r = world.render(PromptParser.parse("2 red circles and 1 blue square"), 3);
        assertEquals("1c10d2fc8e5b626e178bd8aae5daaa9ab0c879c533cebb69ca6d4307c35144ea", sha256(r.image()));
    }

    @Test
    void objectsDoNotOverlapAndKeepTheirGap() {
        for (int i = 0; i < 1000; i++) {
            Scene s = world.scene(5, i);
            List<SceneObject> os = s.objects();
            int[] owner = new int[32 * 32];
            Arrays.fill(owner, -1);
            for (int k = 0; k < os.size(); k++) {
                SceneObject o = os.get(k);
                assertTrue(o.x() >= 1 && o.y() >= 1 && o.x() + o.size() <= 31 && o.y() + o.size() <= 31, "margin: " + o);
                assertTrue(o.size() >= 7 && o.size() <= 11, "size: " + o);
                for (int j = 0; j < k; j++) {
                    assertTrue(o.separatedFrom(os.get(j), 2), "scene " + i + ": " + o + " too close to " + os.get(j));
                }
                for (int dy = 0; dy < o.size(); dy++) {
                    for (int dx = 0; dx < o.size(); dx++) {
                        if (!Raster.covers(o.shape(), o.size(), dx, dy)) continue;
                        int p = (o.y() + dy) * 32 + o.x() + dx;
                        assertEquals(-1, owner[p], "pixel drawn twice in scene " + i);
                        owner[p] = k;
                    }
                }
            }
            // every pixel has its owner's colour or the background
            float[] img = s.image();
            for (int p = 0; p < 32 * 32; p++) {
                for (int c = 0; c < 3; c++) {
                    double want = owner[p] < 0 ? ShapesWorld.BACKGROUND[c] : os.get(owner[p]).colour().channel(c);
                    assertEquals(Images.toSigned(want), img[c * 1024 + p], "scene " + i + " pixel " + p);
                }
            }
        }
    }

    @Test
    void promptMatchesTheGroundTruth() {
        for (int i = 0; i < 1000; i++) {
            Scene s = world.scene(9, i);
            Map<ShapeClass, Integer> truth = new HashMap<>();
            for (SceneObject o : s.objects()) truth.merge(o.shapeClass(), 1, Integer::sum);
            Map<ShapeClass, Integer> asked = new HashMap<>();
            for (Group g : s.prompt().groups()) asked.put(g.shapeClass(), g.count());
            assertEquals(asked, truth, s.text());
            assertTrue(s.objects().size() <= Vocabulary.MAX_OBJECTS);
            assertEquals(s.prompt(), PromptParser.parse(s.text()), "the canonical text parses back");
        }
    }

    @Test
    void countsAndClassesAreWellRepresented() {
        int n = 3000;
        int[] countHist = new int[Vocabulary.MAX_COUNT + 1];
        int[] groupHist = new int[Vocabulary.MAX_GROUPS + 1];
        Map<ShapeClass, Integer> classes = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Prompt p = world.scene(11, i).prompt();
            groupHist[p.groups().size()]++;
            for (Group g : p.groups()) {
                countHist[g.count()]++;
                classes.merge(g.shapeClass(), 1, Integer::sum);
            }
        }
        int groups = Arrays.stream(countHist).sum();
        for (int c = 1; c <= Vocabulary.MAX_COUNT; c++) {
            assertTrue(countHist[c] > 0.15 * groups, "count " + c + ": " + countHist[c] + " of " + groups);
        }
        for (int g = 1; g <= Vocabulary.MAX_GROUPS; g++) {
            assertTrue(groupHist[g] > 0.25 * n, g + " groups: " + groupHist[g]);
        }
        assertEquals(Vocabulary.COLOURS * Vocabulary.SHAPES, classes.size());
        for (var e : classes.entrySet()) {
            assertTrue(e.getValue() > 0.6 * groups / 12.0, e.getKey() + ": " + e.getValue());
        }
    }

    @Test
    void renderDrawsTheGivenPromptEvenWhenCrowded() {
        Prompt crowded = PromptParser.parse("4 red circles and 4 blue triangles");
        for (int seed = 0; seed < 200; seed++) {
            Scene s = world.render(crowded, seed);
            assertEquals(8, s.objects().size());
            for (int k = 0; k < 8; k++) {
                for (int j = 0; j < k; j++) assertTrue(s.objects().get(k).separatedFrom(s.objects().get(j), 2));
            }
        }
        PromptException e = assertThrows(PromptException.class,
                () -> world.render(PromptParser.parse("4 red circles, 4 blue triangles and 1 green square"), 0));
        assertEquals("\"4 red circles and 4 blue triangles and 1 green square\" asks for 9 objects; the world draws at most 8", e.getMessage());
    }

    @Test
    void heldOutPromptsAreFixedAndFromTheirOwnStream() {
        List<Prompt> a = ShapesWorld.heldOutPrompts(50, 1);
        assertEquals(a, ShapesWorld.heldOutPrompts(50, 1));
        assertEquals(50, a.size());
        assertNotEquals(a, ShapesWorld.heldOutPrompts(50, 2));
        List<Prompt> training = new ArrayList<>();
        for (int i = 0; i < 50; i++) training.add(world.scene(1, i).prompt());
        assertNotEquals(training, a);
    }

    @Test
    void largerWorldsScaleTheirObjects() {
        ShapesWorld big = new ShapesWorld(64);
        Scene s = big.scene(1, 3);
        assertEquals(3 * 64 * 64, s.image().length);
        for (SceneObject o : s.objects()) assertTrue(o.size() >= 14 && o.size() <= 22, o.toString());
        assertThrows(IllegalArgumentException.class, () -> new ShapesWorld(16));
    }

    static String sha256(float[] img) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(img.length * 4);
        for (float f : img) b.putInt(Float.floatToRawIntBits(f));
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b.array()));
    }
}
