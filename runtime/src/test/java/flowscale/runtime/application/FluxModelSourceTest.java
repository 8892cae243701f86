package flowscale.runtime.application;

import flowscale.runtime.UserError;
import flowscale.runtime.cli.FluxFixture;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.PromptEmbedding;
import flowscale.runtime.reward.Rewards;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link FluxModelSource} below the CLI: the memory refusal, the text-encoder hook, and its order among the sources. */
class FluxModelSourceTest {
    private static ModelOptions options(FluxOptions flux, List<String> log) {
        return new ModelOptions("cpu:1", 1.0, null, flux, log::add);
    }

    private static FluxOptions flux(java.util.function.Function<String, PromptEmbedding> encoder) {
        return new FluxOptions(FluxFixture.vae(), "16x16", null, new int[] {4, 6, 6}, 0, encoder);
    }

    @Test
    void aPlanLargerThanTheMachineIsRefusedAfterItIsPrinted() {
        List<String> log = new ArrayList<>();
        UserError e = assertThrows(UserError.class, () -> new FluxModelSource(() -> 1_000_000L)
                .open(FluxFixture.schnell().toString(), options(flux(null), log)));
        assertTrue(e.getMessage().contains("needs") && e.getMessage().contains("but this machine has 0.00 GB"), e.getMessage());
        assertEquals(1, log.size());
        assertTrue(log.getFirst().startsWith("FLUX memory plan: weights BF16"), log.getFirst());
    }

    @Test
    void promptTextGoesThroughThePluggedEncoder() {
        PromptEmbedding fixed = new PromptEmbedding(3, new float[3 * FluxFixture.TXT_WIDTH], new float[FluxFixture.VEC_WIDTH]);
        List<String> asked = new ArrayList<>();
        try (LoadedModel m = new FluxModelSource().open(FluxFixture.schnell().toString(), options(flux(p -> {
            asked.add(p);
            return fixed;
        }), new ArrayList<>()))) {
            Condition c = m.condition("a red fox");
            assertEquals(List.of("a red fox"), asked);
            assertEquals(fixed, c.embedding());
            assertEquals("a red fox", c.prompt());
            PromptEmbedding wrong = new PromptEmbedding(3, new float[3 * 7], new float[FluxFixture.VEC_WIDTH]);
            UserError e = assertThrows(UserError.class, () -> m.condition("x", wrong));
            assertTrue(e.getMessage().contains("txt [3, 7]"), e.getMessage());
            assertEquals(4, m.defaultSteps());
        }
    }

    @Test
    void fluxIsAskedBeforeTheDiTAndTakesTextPrompts() {
        assertTrue(new FluxModelSource().accepts(FluxFixture.schnell().toString()));
        assertTrue(new FluxModelSource().accepts(FluxFixture.vae().toString()), "answered here to say it is a VAE");
        assertTrue(!ModelSources.shapesWorldPrompts(FluxFixture.schnell().toString()));
    }

    @Test
    void countingOnAnEmbeddingConditionSaysItHasNoShapesWorldPrompt() {
        Condition c = Condition.ofEmbedding("fox.safetensors", new PromptEmbedding(1, new float[2], new float[2]));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rewards.named("counting").score(1, new float[][] {new float[3 * 32 * 32]}, new Condition[] {c}, new double[1]));
        assertEquals("reward counting needs a shapes-world prompt; condition 'fox.safetensors' is prompt embeddings, which have none",
                e.getMessage());
    }
}
