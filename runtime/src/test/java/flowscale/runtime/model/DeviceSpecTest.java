package flowscale.runtime.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceSpecTest {

    @Test
    void parsesSpecsAndWeights() {
        assertEquals(List.of(DeviceSpec.of("cpu:1"), DeviceSpec.of("cpu:1")), DeviceSpec.parseList("cpu:1,cpu:1"));
        assertEquals(List.of(new DeviceSpec("cpu", 3), new DeviceSpec("opencl:0:0", 0.5)),
                DeviceSpec.parseList(" cpu@3 , opencl:0:0 @ 0.5 "));
        assertEquals(List.of(DeviceSpec.of("reference")), DeviceSpec.parseList("reference"));
        assertEquals("cpu@3.0", new DeviceSpec("cpu", 3).toString());
        assertEquals("cpu:1", DeviceSpec.of("cpu:1").toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  ", "cpu,,cpu", "cpu,", ",cpu", "cpu@0", "cpu@-1", "cpu@x", "cpu@", "@2", "cpu@1@2",
            "cpu@NaN", "cpu@Infinity"})
    void rejectsMalformedListsInOneLineNamingTheSyntax(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parseList(text));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains(DeviceSpec.SYNTAX), e.getMessage());
        assertTrue(e.getMessage().contains("cpu[:THREADS]"), "lists the backends: " + e.getMessage());
    }
}
