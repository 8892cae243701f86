package flowscale.loader;

import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A validated header: the {@code __metadata__} map and the tensor entries sorted by name.
 * Only {@link HeaderParser} makes these, so holding one means every check has passed.
 */
record Header(Map<String, String> metadata, List<TensorInfo> tensorsByName) {
    Header {
        metadata = Collections.unmodifiableMap(metadata);
        tensorsByName = List.copyOf(tensorsByName);
    }
}
