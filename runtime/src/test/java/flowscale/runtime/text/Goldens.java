package flowscale.runtime.text;

import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.TensorInfo;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.URISyntaxException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The shared FLUX text fixtures, copied to test resources: prompts and the reference token ids. */
final class Goldens {
    record Case(String prompt, long[] ids) {
    }

    private Goldens() {
    }

    static Path resource(String name) {
        try {
            return Path.of(Goldens.class.getResource("/text/" + name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("test resource text/" + name + " is missing", e);
        }
    }

    /** Every prompt of a golden file with its ids ({@code ids.<i>}, I64, padded to the golden's length). */
    static List<Case> cases(String file) throws Exception {
        try (SafetensorsFile f = SafetensorsFile.open(resource(file))) {
            String[] prompts = new ObjectMapper().readValue(f.metadata().get("prompts"), String[].class);
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < prompts.length; i++) {
                TensorInfo info = f.find("ids." + i).orElseThrow();
                MemorySegment bytes = f.bytes(info.name());
                long[] ids = new long[(int) (bytes.byteSize() / 8)];
                for (int k = 0; k < ids.length; k++) {
                    ids[k] = bytes.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), k);
                }
                cases.add(new Case(prompts[i], ids));
            }
            return cases;
        }
    }
}
