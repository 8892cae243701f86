package flowscale.runtime.data;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The shapes world: a seeded generator of small images of filled shapes and their prompts.
 *
 * <p>Choices (for the default 32x32; other sizes scale the lengths by {@code size/32}):
 * <ul>
 *   <li>1-3 groups, uniformly; distinct (colour, shape) pairs drawn uniformly from the 12 pairs; each
 *       count uniform in 1-4, redrawn while the total exceeds {@link Vocabulary#MAX_OBJECTS} = 8.</li>
 *   <li>object box side 7 px at least (smaller circles look square), at most 11/10/9/8 px for
 *       1-2/3-4/5-6/7-8 objects, so crowded scenes still fit;</li>
 *   <li>positions uniform with a 1-px margin to the border and at least 2 background pixels between
 *       any two boxes (2, not 1, so same-coloured neighbours stay apart after a blur of sigma 1);
 *       a scene that random placement cannot fit (64 restarts) falls back to a jittered 3x3 grid of
 *       cells; measured: never up to 7 objects, about one in five 8-object layouts;</li>
 *   <li>flat dark background {@link #BACKGROUND}; shapes in exact palette colours, no antialiasing.</li>
 * </ul>
 * Every random choice comes from a {@link SplittableRandom} seeded by a pure function of
 * (seed, index) and integer rasterisation, so a (seed, index) pair gives the same image on every
 * machine. Held-out prompts come from a separate seed domain.
 */
public final class ShapesWorld {
    /** Default image side. */
    public static final int SIZE = 32;
    /** Background colour (red, green, blue in [0, 1]). */
    public static final double[] BACKGROUND = {0.08, 0.08, 0.10};

    private static final long TRAIN_DOMAIN = 0x5EED_0000_0000_0001L;
    private static final long HELD_OUT_DOMAIN = 0x5EED_0000_0000_0002L;
    private static final long RENDER_DOMAIN = 0x5EED_0000_0000_0003L;
    private static final long HARD_HELD_OUT_DOMAIN = 0x5EED_0000_0000_0004L;
    /** Objects in every hard prompt at least (see {@link #hardHeldOutPrompts}). */
    public static final int HARD_MIN_OBJECTS = 7;
    private static final int LAYOUT_RESTARTS = 64;
    private static final int TRIES_PER_OBJECT = 100;

    private final int size;
    private final int minObject;
    private final int gap;
    private final int margin;

    /** The default 32x32 world. */
    public ShapesWorld() {
        this(SIZE);
    }

    /** A world of {@code size x size} images, {@code 32 <= size <= 256}. */
    public ShapesWorld(int size) {
        if (size < 32 || size > 256) {
            throw new IllegalArgumentException("image size " + size + " is outside 32-256");
        }
        this.size = size;
        this.minObject = scaled(7);
        this.gap = scaled(2);
        this.margin = scaled(1);
    }

    public int size() {
        return size;
    }

    /** Training example {@code index} of the stream named by {@code seed}. */
    public Scene scene(long seed, long index) {
        SplittableRandom rng = new SplittableRandom(mix(mix(seed ^ TRAIN_DOMAIN) + index));
        Prompt prompt = samplePrompt(rng);
        return layout(prompt, rng);
    }

    /** A scene that shows {@code prompt}, laid out from {@code seed}. */
    public Scene render(Prompt prompt, long seed) {
        if (prompt.objectCount() > Vocabulary.MAX_OBJECTS) {
            throw new PromptException("\"" + prompt.canonical() + "\" asks for " + prompt.objectCount()
                    + " objects; the world draws at most " + Vocabulary.MAX_OBJECTS);
        }
        return layout(prompt, new SplittableRandom(mix(seed ^ RENDER_DOMAIN)));
    }

    /**
     * {@code n} prompts for evaluation, from a seed domain that training scenes never use. (The prompt
     * space is finite, so a held-out prompt's text may still occur among training prompts.)
     */
    public static List<Prompt> heldOutPrompts(int n, long seed) {
        if (n < 0) throw new IllegalArgumentException("negative prompt count " + n);
        List<Prompt> out = new ArrayList<>(n);
        long base = mix(seed ^ HELD_OUT_DOMAIN);
        for (int i = 0; i < n; i++) {
            out.add(samplePrompt(new SplittableRandom(mix(base + i))));
        }
        return out;
    }

    /** A random prompt: 1-3 distinct classes, counts 1-4, at most {@link Vocabulary#MAX_OBJECTS} objects. */
    public static Prompt samplePrompt(SplittableRandom rng) {
        int groups = 1 + rng.nextInt(Vocabulary.MAX_GROUPS);
        return samplePrompt(rng, groups, 1);
    }

    /**
     * {@code n} hard prompts for evaluation, from their own held-out seed domain: three groups and
     * {@link #HARD_MIN_OBJECTS} objects or more. Measured on the shipped base model (held-out prompts, seed 11, 10-step
     * ODE, 1,200 prompts): 0-3 % of three-group prompts of seven or eight objects come out exactly right, and Best-of-N
     * with the ODE at 500 NFE solved about 60 % of them (33/55 at eight objects, 15/24 at seven or more), while two-group
     * prompts sit at its ceiling even with many objects (17/17 at seven or more): so the set has no one- or two-group
     * prompts.
     */
    public static List<Prompt> hardHeldOutPrompts(int n, long seed) {
        if (n < 0) throw new IllegalArgumentException("negative prompt count " + n);
        List<Prompt> out = new ArrayList<>(n);
        long base = mix(seed ^ HARD_HELD_OUT_DOMAIN);
        for (int i = 0; i < n; i++) {
            out.add(samplePrompt(new SplittableRandom(mix(base + i)), Vocabulary.MAX_GROUPS, HARD_MIN_OBJECTS));
        }
        return out;
    }

    /**
     * A random prompt of {@code groups} distinct classes, counts 1-4 with a total between {@code minObjects} and
     * {@link Vocabulary#MAX_OBJECTS} (counts redrawn until it is).
     */
    static Prompt samplePrompt(SplittableRandom rng, int groups, int minObjects) {
        if (groups < 1 || groups > Vocabulary.MAX_GROUPS || minObjects > Math.min(Vocabulary.MAX_OBJECTS, groups * Vocabulary.MAX_COUNT)) {
            throw new IllegalArgumentException("no prompt has " + groups + " groups and at least " + minObjects + " objects");
        }
        int classes = Vocabulary.COLOURS * Vocabulary.SHAPES;
        int[] order = new int[classes];
        for (int i = 0; i < classes; i++) order[i] = i;
        for (int i = 0; i < groups; i++) { // partial Fisher-Yates: the first `groups` entries
            int j = i + rng.nextInt(classes - i);
            int t = order[i]; order[i] = order[j]; order[j] = t;
        }
        int[] counts = new int[groups];
        int total;
        do {
            total = 0;
            for (int i = 0; i < groups; i++) {
                counts[i] = 1 + rng.nextInt(Vocabulary.MAX_COUNT);
                total += counts[i];
            }
        } while (total > Vocabulary.MAX_OBJECTS || total < minObjects);
        List<Group> gs = new ArrayList<>(groups);
        for (int i = 0; i < groups; i++) {
            gs.add(new Group(counts[i], Colour.ofId(order[i] / Vocabulary.SHAPES), Shape.ofId(order[i] % Vocabulary.SHAPES)));
        }
        return new Prompt(gs);
    }

    private Scene layout(Prompt prompt, SplittableRandom rng) {
        List<ShapeClass> items = new ArrayList<>();
        for (Group g : prompt.groups()) {
            for (int k = 0; k < g.count(); k++) items.add(g.shapeClass());
        }
        for (int i = items.size() - 1; i > 0; i--) { // shuffle so that list order says nothing about position
            int j = rng.nextInt(i + 1);
            ShapeClass t = items.get(i); items.set(i, items.get(j)); items.set(j, t);
        }
        List<SceneObject> objects = randomPlacement(items, rng);
        if (objects == null) {
            objects = gridPlacement(items, rng);
        }
        float[] image = background();
        for (SceneObject o : objects) {
            Raster.draw(image, size, o);
        }
        return new Scene(image, size, prompt, objects);
    }

    private List<SceneObject> randomPlacement(List<ShapeClass> items, SplittableRandom rng) {
        int maxObject = maxObjectSize(items.size());
        for (int restart = 0; restart < LAYOUT_RESTARTS; restart++) {
            List<SceneObject> placed = new ArrayList<>(items.size());
            for (ShapeClass c : items) {
                int s = minObject + rng.nextInt(maxObject - minObject + 1);
                int span = size - 2 * margin - s + 1;
                SceneObject ok = null;
                for (int t = 0; t < TRIES_PER_OBJECT && ok == null; t++) {
                    SceneObject cand = new SceneObject(c.colour(), c.shape(), margin + rng.nextInt(span), margin + rng.nextInt(span), s);
                    if (placed.stream().allMatch(p -> p.separatedFrom(cand, gap))) ok = cand;
                }
                if (ok == null) break;
                placed.add(ok);
            }
            if (placed.size() == items.size()) return placed;
        }
        return null;
    }

    /** k x k cells (k = 2 or 3), objects in random distinct cells, jittered inside them. */
    private List<SceneObject> gridPlacement(List<ShapeClass> items, SplittableRandom rng) {
        int k = items.size() <= 4 ? 2 : 3;
        int[] cells = new int[k * k];
        for (int i = 0; i < cells.length; i++) cells[i] = i;
        for (int i = cells.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = cells[i]; cells[i] = cells[j]; cells[j] = t;
        }
        List<SceneObject> placed = new ArrayList<>(items.size());
        // half the gap on each side of a cell border (so neighbours keep the gap), at least the margin
        int inner = Math.max((gap + 1) / 2, margin);
        for (int i = 0; i < items.size(); i++) {
            int cx = cells[i] % k;
            int cy = cells[i] / k;
            int x0 = cx * size / k, x1 = (cx + 1) * size / k;
            int y0 = cy * size / k, y1 = (cy + 1) * size / k;
            int room = Math.min(x1 - x0, y1 - y0) - 2 * inner;
            int maxS = Math.min(maxObjectSize(items.size()), room);
            int s = minObject + rng.nextInt(Math.max(1, maxS - minObject + 1));
            int x = x0 + inner + rng.nextInt(x1 - x0 - 2 * inner - s + 1);
            int y = y0 + inner + rng.nextInt(y1 - y0 - 2 * inner - s + 1);
            ShapeClass c = items.get(i);
            placed.add(new SceneObject(c.colour(), c.shape(), x, y, s));
        }
        return placed;
    }

    private int maxObjectSize(int objects) {
        int base = objects <= 2 ? 11 : objects <= 4 ? 10 : objects <= 6 ? 9 : 8;
        return scaled(base);
    }

    private int scaled(int length32) {
        return (int) Math.round(length32 * (size / (double) SIZE));
    }

    private float[] background() {
        float[] image = new float[3 * size * size];
        int plane = size * size;
        for (int c = 0; c < 3; c++) {
            java.util.Arrays.fill(image, c * plane, (c + 1) * plane, Images.toSigned(BACKGROUND[c]));
        }
        return image;
    }

    /** Stafford's mix13 finaliser (the one SplittableRandom uses): decorrelates nearby seeds. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
