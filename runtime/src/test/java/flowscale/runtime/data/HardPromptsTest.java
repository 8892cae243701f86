package flowscale.runtime.data;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The hard held-out set: what it promises (three groups, 7-8 objects, distinct classes, a prefix of a longer set). */
class HardPromptsTest {
    @Test
    void everyPromptHasThreeDistinctGroupsAndSevenOrEightObjects() {
        List<Prompt> hard = ShapesWorld.hardHeldOutPrompts(400, 250_319_385L);
        Set<String> texts = new HashSet<>();
        int eight = 0;
        for (Prompt p : hard) {
            assertEquals(3, p.groups().size(), p.canonical());
            int n = p.objectCount();
            assertTrue(n >= ShapesWorld.HARD_MIN_OBJECTS && n <= Vocabulary.MAX_OBJECTS, p.canonical());
            if (n == 8) eight++;
            Set<ShapeClass> classes = new HashSet<>();
            for (Group g : p.groups()) assertTrue(classes.add(g.shapeClass()), "repeated class in " + p.canonical());
            texts.add(p.canonical());
            new ShapesWorld().render(p, 1); // the world can draw it
        }
        // both totals occur, and the set is not a handful of prompts repeated
        assertTrue(eight > 50 && eight < 350, "eight-object prompts: " + eight);
        assertTrue(texts.size() > 350, "distinct prompts: " + texts.size());
    }

    @Test
    void aPrefixOfALongerSetAndApartFromTheEasySet() {
        List<Prompt> a = ShapesWorld.hardHeldOutPrompts(10, 5), b = ShapesWorld.hardHeldOutPrompts(30, 5);
        assertEquals(a, b.subList(0, 10));
        assertNotEquals(ShapesWorld.hardHeldOutPrompts(10, 6), a);
        assertThrows(IllegalArgumentException.class, () -> ShapesWorld.hardHeldOutPrompts(-1, 5));
    }
}
