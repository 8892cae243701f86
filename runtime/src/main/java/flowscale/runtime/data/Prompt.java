package flowscale.runtime.data;

import flowscale.runtime.model.Condition;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A parsed prompt: 1 to {@link Vocabulary#MAX_GROUPS} groups with distinct (colour, shape) pairs, in the
 * order they were written. The group order is kept because it is the order of the condition tokens.
 */
public record Prompt(List<Group> groups) {
    public Prompt {
        groups = List.copyOf(groups);
        if (groups.isEmpty() || groups.size() > Vocabulary.MAX_GROUPS) {
            throw new PromptException("a prompt has 1-" + Vocabulary.MAX_GROUPS + " groups, got " + groups.size());
        }
        Set<ShapeClass> seen = new HashSet<>();
        for (Group g : groups) {
            if (!seen.add(g.shapeClass())) {
                throw new PromptException("the prompt names " + g.shapeClass() + "s twice; give each colour-shape pair once");
            }
        }
    }

    /** Canonical text: {@code 2 red circles and 1 blue square}. Parsing it gives this prompt back. */
    public String canonical() {
        return groups.stream().map(Group::text).collect(Collectors.joining(" and "));
    }

    /** Total number of objects the prompt asks for. */
    public int objectCount() {
        return groups.stream().mapToInt(Group::count).sum();
    }

    /** The model's condition: the canonical text and one {@code (count, colour, shape)} token per group. */
    public Condition toCondition() {
        int[][] tokens = groups.stream().map(Group::token).toArray(int[][]::new);
        return new Condition(canonical(), tokens);
    }

    /** The prompt a condition's tokens stand for (its text is not read). */
    public static Prompt fromCondition(Condition condition) {
        int[][] tokens = condition.groups();
        Group[] gs = new Group[tokens.length];
        for (int i = 0; i < tokens.length; i++) {
            gs[i] = new Group(tokens[i][0], Colour.ofId(tokens[i][1]), Shape.ofId(tokens[i][2]));
        }
        return new Prompt(List.of(gs));
    }

    @Override
    public String toString() {
        return canonical();
    }
}
