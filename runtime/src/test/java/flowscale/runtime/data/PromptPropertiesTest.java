package flowscale.runtime.data;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PromptPropertiesTest {
    private static final String[] WORDS = {"zero", "one", "two", "three", "four"};

    @Property(tries = 300)
    void anySpellingParsesToTheSamePrompt(@ForAll("prompts") Prompt prompt, @ForAll long style) {
        SplittableRandom rng = new SplittableRandom(style);
        StringBuilder text = new StringBuilder(rng.nextBoolean() ? "  " : "");
        List<Group> groups = prompt.groups();
        for (int i = 0; i < groups.size(); i++) {
            Group g = groups.get(i);
            if (i > 0) text.append(switch (rng.nextInt(3)) { case 0 -> " and "; case 1 -> ", "; default -> " , and  "; });
            String count = g.count() == 1 && rng.nextBoolean() ? "a" : rng.nextBoolean() ? WORDS[g.count()] : Integer.toString(g.count());
            String shape = rng.nextBoolean() ? g.shape().word() : g.shape().plural();
            text.append(count).append(' ').append(g.colour().word()).append("  ".substring(rng.nextInt(2))).append(' ').append(shape);
        }
        if (rng.nextBoolean()) text.append('.');
        String s = rng.nextBoolean() ? text.toString().toUpperCase(Locale.ROOT) : text.toString();
        assertEquals(prompt, PromptParser.parse(s), s);
        assertEquals(prompt, PromptParser.parse(prompt.canonical()));
        assertEquals(prompt, Prompt.fromCondition(prompt.toCondition()));
    }

    @Provide
    Arbitrary<Prompt> prompts() {
        Arbitrary<Group> group = Combinators.combine(
                Arbitraries.integers().between(1, Vocabulary.MAX_COUNT),
                Arbitraries.of(Colour.class),
                Arbitraries.of(Shape.class)).as(Group::new);
        return group.list().ofMinSize(1).ofMaxSize(Vocabulary.MAX_GROUPS)
                .uniqueElements(Group::shapeClass)
                .map(gs -> new Prompt(new ArrayList<>(gs)));
    }
}
