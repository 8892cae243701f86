package flowscale.runtime.search;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeSet;

/**
 * What a method's settings record declares with {@link Setting}, read once per record class. From it come the
 * defaults, the parsing of {@code --search-opt key=value} (an unknown key or a bad value is one line naming what is
 * allowed), the help lines and the effective values the trace records, so none of them is written twice.
 */
public final class SettingsSchema<S extends Record> {
    private static final ClassValue<SettingsSchema<?>> SCHEMAS = new ClassValue<>() {
        @Override
        protected SettingsSchema<?> computeValue(Class<?> type) {
            return new SettingsSchema<>(type.asSubclass(Record.class));
        }
    };

    private final List<Key> keys = new ArrayList<>();
    private final Constructor<S> constructor;
    private final S defaults;

    @SuppressWarnings("unchecked")
    public static <S extends Record> SettingsSchema<S> of(Class<S> type) {
        return (SettingsSchema<S>) SCHEMAS.get(type);
    }

    private SettingsSchema(Class<S> type) {
        RecordComponent[] components = type.getRecordComponents();
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            Key key = new Key(components[i]);
            keys.add(key);
            values[i] = key.dflt;
        }
        try {
            constructor = type.getDeclaredConstructor(Arrays.stream(components).map(RecordComponent::getType).toArray(Class<?>[]::new));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(type + " has no canonical constructor", e);
        }
        defaults = construct(values);
    }

    /** The record with every setting at its default. */
    public S defaults() {
        return defaults;
    }

    /** The keys, in declaration order. */
    public List<String> keys() {
        return keys.stream().map(k -> k.name).toList();
    }

    /**
     * The record for {@code method} with the settings {@code config} gives and the defaults for the others. Throws
     * IllegalArgumentException (one line) for a key the record does not declare, a value outside its range, or two
     * keys naming the same setting.
     */
    public S parse(String method, SearchConfig config) {
        List<String> unknown = new ArrayList<>();
        for (String given : new TreeSet<>(config.options().keySet())) {
            if (keys.stream().noneMatch(k -> k.names().contains(given))) unknown.add("'" + given + "'");
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown search option" + (unknown.size() > 1 ? "s " : " ") + String.join(", ", unknown)
                    + " for " + method + "; valid keys: " + String.join(", ", keys.stream().map(Key::listed).toList()));
        }
        Object[] values = new Object[keys.size()];
        for (int i = 0; i < values.length; i++) {
            Key key = keys.get(i);
            List<String> given = key.names().stream().filter(config::has).toList();
            if (given.size() > 1) {
                throw new IllegalArgumentException("give either " + String.join(" or ", given) + " for " + method
                        + " (the same setting), not both");
            }
            values[i] = given.isEmpty() ? key.dflt : key.parse(method, given.get(0), config.options().get(given.get(0)));
        }
        return construct(values);
    }

    /** Checks that every value of a settings record is in its range (for records built in code rather than parsed). */
    static <S extends Record> S checked(String method, S settings) {
        for (Key key : schemaOf(settings).keys) {
            Object v = key.get(settings);
            if (!key.allows(v)) throw key.bad(method, key.name, display(key, v));
        }
        return settings;
    }

    /** The effective values by key, as the trace records them: numbers, and enum constants as their words. */
    public Map<String, Object> values(S settings) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Key key : keys) {
            Object v = key.get(settings);
            out.put(key.name, v instanceof OptionalInt o ? (o.isPresent() ? (Object) o.getAsInt() : key.setting.derived())
                    : v instanceof Enum<?> e ? word(e) : v);
        }
        return out;
    }

    /** The effective values of any settings record, for the trace. */
    static <S extends Record> Map<String, Object> valuesOf(S settings) {
        return schemaOf(settings).values(settings);
    }

    @SuppressWarnings("unchecked")
    private static <S extends Record> SettingsSchema<S> schemaOf(S settings) {
        return (SettingsSchema<S>) SCHEMAS.get(settings.getClass());
    }

    /** One line per key: {@code key=default  what it means: the allowed values}. */
    public List<String> help() {
        List<String> lines = new ArrayList<>();
        for (Key key : keys) {
            String aliases = key.setting.aliases().length == 0 ? "" : " (alias " + String.join(", ", key.setting.aliases()) + ")";
            lines.add(key.name + "=" + display(key, key.dflt) + aliases + "  " + key.setting.help() + ": " + key.allowed());
        }
        return lines;
    }

    /** The defaults as {@code key=value} words separated by spaces, e.g. {@code n=2 k=25 l=2}. */
    public String defaultsLine() {
        return String.join(" ", keys.stream().map(k -> k.name + "=" + display(k, k.dflt)).toList());
    }

    private S construct(Object[] values) {
        try {
            return constructor.newInstance(values);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String display(Key key, Object v) {
        if (v instanceof OptionalInt o) return o.isPresent() ? Integer.toString(o.getAsInt()) : key.setting.derived();
        if (v instanceof Double d) return number(d);
        if (v instanceof Enum<?> e) return word(e);
        return String.valueOf(v);
    }

    /** 780.0 as {@code 780}, 0.001 as {@code 0.001}: the way a user would type it. */
    private static String number(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    private static String word(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** One setting: a record component, its key and aliases, its declaration and its parsed default. */
    private static final class Key {
        final RecordComponent component;
        final Setting setting;
        final String name;
        final Class<?> type;
        final Object dflt;

        Key(RecordComponent component) {
            this.component = component;
            this.setting = component.getAnnotation(Setting.class);
            this.type = component.getType();
            this.name = component.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
            String where = component.getDeclaringRecord().getSimpleName() + "." + component.getName();
            if (setting == null) throw new IllegalStateException(where + " is not declared with @Setting");
            if (type != int.class && type != double.class && type != OptionalInt.class && !type.isEnum()) {
                throw new IllegalStateException(where + ": a setting is an int, a double, an enum or an OptionalInt");
            }
            if (type == OptionalInt.class && setting.value().isEmpty()) {
                if (setting.derived().isEmpty()) throw new IllegalStateException(where + " needs a value or a derived default");
                dflt = OptionalInt.empty();
            } else {
                try {
                    dflt = parse("the default", name, setting.value());
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException(where + ": " + e.getMessage(), e);
                }
            }
        }

        List<String> names() {
            List<String> all = new ArrayList<>(List.of(name));
            all.addAll(List.of(setting.aliases()));
            return all;
        }

        /** The key as the list of valid keys names it, with its aliases. */
        String listed() {
            return String.join(" or ", names());
        }

        Object get(Record settings) {
            try {
                return component.getAccessor().invoke(settings);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException(e);
            }
        }

        Object parse(String method, String given, String text) {
            if (type.isEnum()) {
                for (Object c : type.getEnumConstants()) if (word((Enum<?>) c).equals(text)) return c;
                throw bad(method, given, text);
            }
            Object v;
            try {
                v = type == double.class ? (Object) Double.parseDouble(text) : (Object) Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw bad(method, given, text);
            }
            if (type == OptionalInt.class) v = OptionalInt.of((Integer) v);
            if (!allows(v)) throw bad(method, given, text);
            return v;
        }

        boolean allows(Object v) {
            double d;
            if (v instanceof OptionalInt o) {
                if (o.isEmpty()) return true;
                d = o.getAsInt();
            } else if (v instanceof Number n) {
                d = n.doubleValue();
            } else {
                return v != null;
            }
            boolean aboveMin = setting.minOpen() ? d > setting.min() : d >= setting.min();
            boolean belowMax = setting.maxOpen() ? d < setting.max() : d <= setting.max();
            return aboveMin && belowMax;
        }

        IllegalArgumentException bad(String method, String given, String text) {
            return new IllegalArgumentException("search option " + given + "=" + text + " for " + method + ": must be " + allowed());
        }

        /** The allowed values in words: {@code an integer >= 1}, {@code a number in (0, 1000]}, {@code one of code, paper}. */
        String allowed() {
            if (type.isEnum()) {
                return "one of " + String.join(", ", Arrays.stream(type.getEnumConstants()).map(c -> word((Enum<?>) c)).toList());
            }
            String what = type == double.class ? "a number" : "an integer";
            String low = (setting.minOpen() ? "(" : "[") + number(setting.min());
            double top = setting.max();
            if (top == Double.MAX_VALUE || top == Integer.MAX_VALUE) {
                return what + (setting.minOpen() ? " > " : " >= ") + number(setting.min());
            }
            return what + " in " + low + ", " + number(top) + (setting.maxOpen() ? ")" : "]");
        }
    }
}
