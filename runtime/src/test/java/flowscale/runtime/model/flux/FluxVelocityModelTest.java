package flowscale.runtime.model.flux;

import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.runtime.model.Condition;
import flowscale.runtime.model.PromptEmbedding;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** FLUX behind the VelocityModel interface: the golden's items as latents with registered prompt embeddings. */
class FluxVelocityModelTest {

    @Test
    void velocitiesMatchTheGoldenAndDoNotDependOnChunking() {
        FluxFixtures.Golden golden = FluxFixtures.golden("flux-tiny-schnell-golden.safetensors");
        FluxInputs in = golden.inputs();
        int dim = in.imageTokens() * 16, lt = in.textTokens() * 32;
        try (Backend cpu = Backends.create("cpu");
             FluxCheckpoint checkpoint = FluxCheckpoint.open(FluxFixtures.resource("flux-tiny-schnell-diffusers"))) {
            FluxTransformer flux = FluxTransformer.load(checkpoint, cpu);
            float[][] x = new float[2][], whole = new float[2][dim], single = new float[2][dim];
            Condition[] cond = new Condition[2];
            double[] t = new double[2];
            FluxVelocityModel[] models = {new FluxVelocityModel(flux, 4, 6, 1.0, 2), new FluxVelocityModel(flux, 4, 6, 1.0, 1)};
            for (int i = 0; i < 2; i++) {
                x[i] = Arrays.copyOfRange(in.img(), i * dim, (i + 1) * dim);
                t[i] = in.t()[i];
                cond[i] = new Condition("item " + i, new int[0][]);
                PromptEmbedding e = new PromptEmbedding(in.textTokens(), Arrays.copyOfRange(in.txt(), i * lt, (i + 1) * lt),
                        Arrays.copyOfRange(in.vec(), i * 24, (i + 1) * 24));
                for (FluxVelocityModel m : models) m.register(cond[i].prompt(), e);
            }
            assertArrayEquals(new int[] {24, 16}, models[0].shape());
            models[0].velocity(2, x, t, cond, whole);
            models[1].velocity(2, x, t, cond, single);
            assertEquals(2, models[0].nfe());
            float[] golden0 = golden.get("out.velocity");
            for (int i = 0; i < 2; i++) {
                assertArrayEquals(whole[i], single[i], "item " + i + " depends on its chunk");
                double e = FluxGoldenTest.relativeError(whole[i], Arrays.copyOfRange(golden0, i * dim, (i + 1) * dim));
                assertTrue(e <= FluxGoldenTest.TOLERANCE, "item " + i + " differs from the golden by " + e);
            }
            // The same prompts carried by the conditions themselves, and a shorter prompt in the same call: each item's
            // velocity is what it is alone.
            Condition[] carried = new Condition[3];
            float[][] x3 = {x[0], x[1], x[0]}, out3 = new float[3][dim], alone = new float[1][dim];
            for (int i = 0; i < 2; i++) {
                carried[i] = Condition.ofEmbedding("carried " + i, new PromptEmbedding(in.textTokens(),
                        Arrays.copyOfRange(in.txt(), i * lt, (i + 1) * lt), Arrays.copyOfRange(in.vec(), i * 24, (i + 1) * 24)));
            }
            carried[2] = Condition.ofEmbedding("short", new PromptEmbedding(3, Arrays.copyOfRange(in.txt(), 0, 3 * 32),
                    Arrays.copyOfRange(in.vec(), 0, 24)));
            models[0].velocity(3, x3, new double[] {t[0], t[1], t[0]}, carried, out3);
            assertArrayEquals(whole[0], out3[0]);
            assertArrayEquals(whole[1], out3[1]);
            models[1].velocity(1, new float[][] {x[0]}, new double[] {t[0]}, new Condition[] {carried[2]}, alone);
            assertArrayEquals(alone[0], out3[2], "a prompt's velocity depends on the other prompts' text lengths");
            IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                    () -> models[0].velocity(1, x, t, new Condition[] {Condition.NONE}, whole));
            assertTrue(unknown.getMessage().contains("no prompt embeddings"), unknown.getMessage());
            IllegalArgumentException wide = assertThrows(IllegalArgumentException.class,
                    () -> models[0].register("wide", new PromptEmbedding(1, new float[33], new float[24])));
            assertTrue(wide.getMessage().contains("33 wide"), wide.getMessage());
            IllegalArgumentException carriedWide = assertThrows(IllegalArgumentException.class, () -> models[0].velocity(1, x, t,
                    new Condition[] {Condition.ofEmbedding("w", new PromptEmbedding(1, new float[32], new float[25]))}, whole));
            assertTrue(carriedWide.getMessage().contains("25 values"), carriedWide.getMessage());
        }
    }
}
