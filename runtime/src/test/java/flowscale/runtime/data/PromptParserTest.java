package flowscale.runtime.data;

import flowscale.runtime.UserError;
import flowscale.runtime.model.Condition;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PromptParserTest {
    private static final String ACCEPTED = "; expected \"<count> <colour> <shape>[s]\" joined by \"and\"/\",\"; counts 1-4 "
            + "(digits, words or a/an), at most 3 groups with distinct colour-shape pairs; colours red, green, blue, yellow; "
            + "shapes circle, square, triangle";

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "2 red circles and 1 blue square          | 2 red circles and 1 blue square",
        "Two RED circles, a blue square.          | 2 red circles and 1 blue square",
        "  two   red circles ,and  one blue square| 2 red circles and 1 blue square",
        "an yellow triangle                       | 1 yellow triangle",
        "1 green squares                          | 1 green square",
        "four green circle                        | 4 green circles",
        "3 red triangles, 4 blue squares and a green circle | 3 red triangles and 4 blue squares and 1 green circle",
        "three blue circles, one red circle, two yellow squares. | 3 blue circles and 1 red circle and 2 yellow squares",
    })
    void acceptedForms(String text, String canonical) {
        Prompt p = PromptParser.parse(text);
        assertEquals(canonical, p.canonical());
        assertEquals(p, PromptParser.parse(p.canonical()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "five cats                         | count 5 is outside 1-4",
        "0 red circles                     | count 0 is outside 1-4",
        "12 red circles                    | count 12 is outside 1-4",
        "nine blue squares                 | count 9 is outside 1-4",
        "many red circles                  | \"many\" is not a count",
        "2 purple circles                  | \"purple\" is not a colour",
        "2 red boxes                       | \"boxes\" is not a shape",
        "2 red                             | expected a shape after \"red\"",
        "2                                 | expected a colour after \"2\"",
        "2 red circles and                 | the prompt ends with \"and\"",
        "2 red circles,                    | the prompt ends with \",\"",
        "2 red circles or 1 blue square    | unexpected \"or\" after a group",
        "2 red circles 1 blue square       | unexpected \"1\" after a group",
        "2 red circles and 1 red circle    | the prompt names red circles twice; give each colour-shape pair once",
        "1 red circle, 1 blue circle, 1 green circle and 1 yellow circle | 4 groups, at most 3",
        "2 red circles..                   | \"circles.\" is not a shape",
    })
    void rejectionsSayWhyAndWhatIsAccepted(String text, String reason) {
        PromptException e = assertThrows(PromptException.class, () -> PromptParser.parse(text));
        assertEquals("cannot parse \"" + text.strip() + "\": " + reason + ACCEPTED, e.getMessage());
        assertInstanceOf(UserError.class, e);
    }

    @Test
    void emptyAndNullPrompts() {
        assertEquals("cannot parse \"\": the prompt is empty" + ACCEPTED,
                assertThrows(PromptException.class, () -> PromptParser.parse("  ")).getMessage());
        assertEquals("cannot parse \"\": no prompt given" + ACCEPTED,
                assertThrows(PromptException.class, () -> PromptParser.parse(null)).getMessage());
    }

    @Test
    void conditionTokensUseStableIds() {
        Prompt p = PromptParser.parse("2 red circles and 1 blue square and 4 yellow triangles");
        Condition c = p.toCondition();
        assertEquals("2 red circles and 1 blue square and 4 yellow triangles", c.prompt());
        assertArrayEquals(new int[][] {{2, 0, 0}, {1, 2, 1}, {4, 3, 2}}, c.groups());
        assertEquals(p, Prompt.fromCondition(c));
        assertEquals(4, Vocabulary.MAX_COUNT);
        assertEquals(3, Vocabulary.MAX_GROUPS);
        assertEquals(4, Vocabulary.COLOURS);
        assertEquals(3, Vocabulary.SHAPES);
        assertEquals(List.of(Colour.RED, Colour.GREEN, Colour.BLUE, Colour.YELLOW), List.of(Colour.values()));
        assertEquals(List.of(Shape.CIRCLE, Shape.SQUARE, Shape.TRIANGLE), List.of(Shape.values()));
    }

    @Test
    void promptsValidateTheirGroups() {
        assertThrows(PromptException.class, () -> new Prompt(List.of()));
        assertThrows(PromptException.class, () -> new Group(5, Colour.RED, Shape.CIRCLE));
        assertThrows(IllegalArgumentException.class, () -> Prompt.fromCondition(new Condition("x", new int[][] {{1, 4, 0}})));
        assertThrows(IllegalArgumentException.class, () -> Prompt.fromCondition(new Condition("x", new int[][] {{1, 0, 3}})));
    }
}
