package flowscale.runtime.search;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares one component of a method's settings record as a setting: its default, its allowed range and what it
 * means. This is the only place a default is written; {@link SettingsSchema} reads it to parse
 * {@code --search-opt key=value}, to write the help text and to put the effective values into the trace.
 *
 * <p>The key is the component's name in kebab case ({@code odeSteps} is {@code ode-steps}). Component types: {@code int}
 * and {@code double} (within [{@link #min()}, {@link #max()}], either end open if asked), an enum (one of its
 * constants, lower case), or {@code OptionalInt} for a count the method derives from the problem when it is not
 * given ({@link #derived()} says how).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Setting {
    /** What the setting means, one short phrase for the help text. */
    String help();

    /** The default, written as on the command line; empty for an {@code OptionalInt} whose default is {@link #derived()}. */
    String value() default "";

    /** How the method chooses the value when none is given, e.g. {@code budget/M}; only for {@code OptionalInt}. */
    String derived() default "";

    double min() default 1;

    /** The value must be greater than {@link #min()}, not equal to it. */
    boolean minOpen() default false;

    double max() default Integer.MAX_VALUE;

    /** The value must be less than {@link #max()}, not equal to it. */
    boolean maxOpen() default false;

    /** Other keys that name the same setting (giving two of them is an error). */
    String[] aliases() default {};
}
