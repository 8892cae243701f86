package flowscale.runtime.reward;

import flowscale.runtime.data.Prompt;

/**
 * Fraction of the detector's objects that are valid shapes (1 when nothing is detected): a quality
 * metric that ignores the prompt, for reports.
 */
public final class ValidShapeFraction extends ImageReward {
    @Override
    public String name() {
        return "validshapes";
    }

    @Override
    double score(float[] image, Prompt prompt) {
        return ShapeDetector.validShapeFraction(ShapeDetector.detect(image));
    }
}
