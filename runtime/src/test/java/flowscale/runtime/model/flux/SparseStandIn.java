package flowscale.runtime.model.flux;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Header-exact stand-ins of released checkpoints, from their key lists ({@code name: shape} JSON): every name, shape and
 * offset as the release lays them out (tensors in name order, back to back), the data section left as a hole of a
 * sparse file, so a 24 GB checkpoint costs kilobytes on disk and is never read.
 */
public final class SparseStandIn {
    private SparseStandIn() {}

    /** The key list {@code {"name": [shape...], ...}}, sorted by name. */
    public static TreeMap<String, long[]> keyList(Path json) throws IOException {
        JsonNode keys = new ObjectMapper().readTree(json.toFile());
        TreeMap<String, long[]> shapes = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = keys.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            long[] s = new long[e.getValue().size()];
            for (int i = 0; i < s.length; i++) s[i] = e.getValue().get(i).asLong();
            shapes.put(e.getKey(), s);
        }
        return shapes;
    }

    /** Writes the stand-in with every tensor of {@code dtype} ({@code BF16} or {@code F32}); returns the data bytes it declares. */
    public static long write(Path file, TreeMap<String, long[]> shapes, String dtype) throws IOException {
        int width = switch (dtype) {
            case "BF16", "F16" -> 2;
            case "F32" -> 4;
            default -> throw new IllegalArgumentException("dtype " + dtype);
        };
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            long bytes = width;
            ArrayNode shape = json.createArrayNode();
            for (long d : e.getValue()) {
                bytes *= d;
                shape.add(d);
            }
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype);
            t.set("shape", shape);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] text = json.writeValueAsBytes(header);
        int padded = (text.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(text);
        while (head.hasRemaining()) head.put(" ".getBytes(StandardCharsets.US_ASCII));
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.write(head.array());
            f.setLength(8L + padded + offset);
        }
        return offset;
    }
}
