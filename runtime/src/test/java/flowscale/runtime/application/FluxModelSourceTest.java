package flowscale.runtime.application;

import flowscale.runtime.UserError;
import flowscale.runtime.cli.FluxFixture;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.PromptEmbedding;
import flowscale.runtime.reward.Rewards;
import flowscale.runtime.model.flux.SparseStandIn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

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

    /**
     * The released flux1-schnell.safetensors and ae.safetensors as header-exact sparse stand-ins (never read): recognised,
     * the plan at the default size printed, and refused on a 16 GB machine before any weight is bound.
     */
    @Test
    void theReleasedFilesArePlannedAndRefusedWhereTheyDoNotFit(@TempDir Path dir) throws IOException {
        Path flux = dir.resolve("flux1-schnell.safetensors"), ae = dir.resolve("ae.safetensors");
        SparseStandIn.write(flux, SparseStandIn.keyList(FluxFixture.resource("flux/flux1-schnell.keys.json")), "BF16");
        SparseStandIn.write(ae, SparseStandIn.keyList(FluxFixture.resource("vae/ae.keys.json")), "F32");
        List<String> log = new ArrayList<>();
        UserError e = assertThrows(UserError.class, () -> new FluxModelSource(() -> 16_000_000_000L).open(flux.toString(),
                options(new FluxOptions(ae, null, null, null, 0, null), log)));
        System.out.println(log.getFirst());
        assertTrue(log.getFirst().startsWith("FLUX memory plan: weights BF16 23.78 GB stored, 23.79 GB bound"), log.getFirst());
        assertTrue(log.getFirst().contains("for 4 images of 1024 image + 256 text tokens"), "512x512 with the x8 VAE: " + log.getFirst());
        assertTrue(e.getMessage().contains("but this machine has 16.00 GB"), e.getMessage());
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
