package flowscale.runtime.data;

import flowscale.runtime.UserError;

/** A prompt outside the prompt language; the message is one line that says what is accepted. */
public final class PromptException extends UserError {
    /** What the language accepts, appended to every parse error. */
    public static final String ACCEPTED = "expected \"<count> <colour> <shape>[s]\" joined by \"and\"/\",\"; counts 1-"
            + Vocabulary.MAX_COUNT + " (digits, words or a/an), at most " + Vocabulary.MAX_GROUPS
            + " groups with distinct colour-shape pairs; colours " + Colour.wordList() + "; shapes " + Shape.wordList();

    public PromptException(String message) {
        super(message);
    }
}
