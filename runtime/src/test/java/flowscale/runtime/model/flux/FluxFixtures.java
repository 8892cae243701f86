package flowscale.runtime.model.flux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.loader.DType;
import flowscale.loader.SafetensorsFile;
import flowscale.loader.SafetensorsWriter;
import flowscale.loader.TensorInfo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/** The FLUX reference fixtures copied into the test resources (see resources/flux/README.md), and files derived from them. */
final class FluxFixtures {
    private FluxFixtures() {}

    static Path resource(String name) {
        try {
            var url = FluxFixtures.class.getResource("/flux/" + name);
            if (url == null) throw new IllegalStateException("test resource flux/" + name + " is missing");
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A golden file's tensors as float arrays, its shapes, and the RoPE axes its metadata states. */
    record Golden(Map<String, float[]> tensors, Map<String, long[]> shapes, int[] ropeAxes) {
        float[] get(String name) {
            float[] v = tensors.get(name);
            if (v == null) throw new IllegalArgumentException("golden has no " + name + "; it has " + tensors.keySet());
            return v;
        }

        boolean has(String name) {
            return tensors.containsKey(name);
        }

        /** The golden's inputs as the transformer takes them. */
        FluxInputs inputs() {
            long[] img = shapes.get("in.img"), txt = shapes.get("in.txt");
            return new FluxInputs((int) img[0], (int) img[1], (int) txt[1], get("in.img"), get("in.txt"), get("in.vec"), get("in.t"),
                    has("in.guidance") ? get("in.guidance") : null,
                    has("in.img_ids") ? get("in.img_ids") : squareGridIds((int) img[1]), has("in.txt_ids") ? get("in.txt_ids") : new float[(int) txt[1] * 3]);
        }
    }

    /** The ids of a square token grid (the real-head golden's 16 x 16, which it does not store). */
    static float[] squareGridIds(int tokens) {
        int side = (int) Math.round(Math.sqrt(tokens));
        if (side * side != tokens) throw new IllegalArgumentException(tokens + " tokens are not a square grid");
        return gridIds(side, side);
    }

    /** BFL's prepare(): (0, row, column) for an h x w token grid. */
    static float[] gridIds(int h, int w) {
        float[] ids = new float[h * w * 3];
        for (int r = 0; r < h; r++) {
            for (int c = 0; c < w; c++) {
                ids[(r * w + c) * 3 + 1] = r;
                ids[(r * w + c) * 3 + 2] = c;
            }
        }
        return ids;
    }

    static Golden golden(String name) {
        try (SafetensorsFile f = SafetensorsFile.open(resource(name))) {
            Map<String, float[]> tensors = new HashMap<>();
            Map<String, long[]> shapes = new HashMap<>();
            for (TensorInfo t : f.tensors()) {
                tensors.put(t.name(), f.toFloatArray(t.name()));
                shapes.put(t.name(), t.shape());
            }
            JsonNode config = new ObjectMapper().readTree(f.metadata().get("config"));
            JsonNode axes = config.get("axes_dims_rope");
            int[] ropeAxes = new int[axes.size()];
            for (int i = 0; i < ropeAxes.length; i++) ropeAxes[i] = axes.get(i).asInt();
            return new Golden(tensors, shapes, ropeAxes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A copy of a safetensors file with every tensor renamed by {@code rename} and stored as {@code dtype}
     * (F32: widened exactly; BF16: rounded to nearest even, as torch's {@code .to(bfloat16)}).
     */
    static Path rewrite(Path source, Path target, UnaryOperator<String> rename, DType dtype) {
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(source)) {
            for (TensorInfo t : f.tensors()) {
                float[] v = f.toFloatArray(t.name());
                String name = rename.apply(t.name());
                if (dtype == DType.F32) w.addF32(name, t.shape(), v);
                else if (dtype == DType.BF16) w.addBf16(name, t.shape(), v);
                else w.addF16(name, t.shape(), v);
            }
        }
        w.write(target);
        return target;
    }

    /** A diffusers folder like {@code source} whose weights are rewritten as {@code dtype}. */
    static Path diffusersAs(String source, Path dir, DType dtype) throws IOException {
        Files.createDirectories(dir);
        Files.copy(resource(source).resolve("config.json"), dir.resolve("config.json"));
        rewrite(resource(source).resolve("diffusion_pytorch_model.safetensors"), dir.resolve("diffusion_pytorch_model.safetensors"),
                UnaryOperator.identity(), dtype);
        return dir;
    }
}
