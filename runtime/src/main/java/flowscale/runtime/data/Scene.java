package flowscale.runtime.data;

import java.util.List;

/**
 * One generated example: the image ({@code float[3*size*size]}, CHW, values in [-1, 1]), its prompt
 * and the ground-truth objects.
 */
public record Scene(float[] image, int size, Prompt prompt, List<SceneObject> objects) {
    public Scene {
        if (image.length != 3 * size * size) {
            throw new IllegalArgumentException("image has " + image.length + " floats, expected 3*" + size + "*" + size);
        }
        objects = List.copyOf(objects);
    }

    /** The prompt's canonical text, e.g. {@code 2 red circles and 1 blue square}. */
    public String text() {
        return prompt.canonical();
    }
}
