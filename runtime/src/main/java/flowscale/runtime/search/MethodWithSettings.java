package flowscale.runtime.search;

/**
 * What every search method holds: its name and its settings record, whose values are checked against their
 * declared ranges once, here (a parsed record is already in range; one built in code may not be).
 */
abstract class MethodWithSettings<S extends Record> implements SearchMethod {
    private final String name;
    final S settings;

    MethodWithSettings(String name, S settings) {
        this.name = name;
        this.settings = SettingsSchema.checked(name, settings);
    }

    @Override
    public final String name() {
        return name;
    }
}
