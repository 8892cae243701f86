package flowscale.runtime.text;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Token ids equal those Hugging Face's fast tokenizers (and, for the same prompts, open-clip and sentencepiece)
 * produced for the fixture prompts: Unicode, ligatures, full-width letters, emoji, the empty string, runs of
 * whitespace, and prompts long enough to be truncated.
 */
class TokenizerGoldenTest {

    @Test
    void clipIdsEqualTheGoldens() throws Exception {
        Tokenizer clip = Tokenizers.load(Goldens.resource("clip-tokenizer"));
        assertInstanceOf(ClipTokenizer.class, clip);
        List<Goldens.Case> cases = Goldens.cases("clip-tiny-golden.safetensors");
        assertEquals(7, cases.size());
        for (Goldens.Case c : cases) {
            assertEquals(ClipTokenizer.MAX_LENGTH, c.ids().length);
            assertArrayEquals(toInt(c.ids()), clip.encode(c.prompt(), ClipTokenizer.MAX_LENGTH), c.prompt());
        }
    }

    @Test
    void t5IdsFromTokenizerJsonEqualTheGoldens() throws Exception {
        checkT5(Tokenizers.load(Goldens.resource("t5-tiny-tokenizer")));
    }

    @Test
    void t5IdsFromSpieceModelEqualTheGoldens() throws Exception {
        checkT5(Tokenizers.load(Goldens.resource("t5-tiny-spiece")));
    }

    private static void checkT5(Tokenizer t5) throws Exception {
        assertInstanceOf(UnigramTokenizer.class, t5);
        List<Goldens.Case> cases = Goldens.cases("t5-tiny-golden.safetensors");
        assertEquals(5, cases.size());
        for (Goldens.Case c : cases) {
            assertArrayEquals(toInt(c.ids()), t5.encode(c.prompt(), c.ids().length), c.prompt() + " -> "
                    + Arrays.toString(t5.encode(c.prompt())));
        }
    }

    static int[] toInt(long[] ids) {
        return Arrays.stream(ids).mapToInt(Math::toIntExact).toArray();
    }
}
