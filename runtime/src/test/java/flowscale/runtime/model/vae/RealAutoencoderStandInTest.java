package flowscale.runtime.model.vae;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import flowscale.kernels.Backend;
import flowscale.kernels.Backends;
import flowscale.kernels.ConvWeight;
import flowscale.kernels.WeightType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stand-in of the real FLUX.1 {@code ae.safetensors}, built at test time from its key list
 * (resources/vae/ae.keys.json: every name and shape of the real file, encoder included) as F32 tensors in
 * that order, whose data section is a hole of a sparse file (335 MB apparent, a few kilobytes on disk). It must
 * be recognised as BFL's layout with FLUX.1's decoder configuration, and its weights bound without being read.
 */
class RealAutoencoderStandInTest {
    /** FLUX.1's AutoEncoderParams (flux/util.py): ch 128, ch_mult (1, 2, 4, 4), 2 res blocks, z 16 channels. */
    private static final VaeConfig FLUX1 = new VaeConfig(16, new int[] {128, 256, 512, 512}, 2, 3, 32, 0.3611, 0.1159);

    @Test
    void realKeyListIsRecognisedAsFluxOnesDecoder(@TempDir Path dir) throws IOException {
        Path file = standIn(dir);
        try (VaeCheckpoint c = VaeCheckpoint.open(file)) {
            assertEquals(VaeLayout.BFL, c.layout());
            assertEquals(FLUX1, c.config());
            assertEquals(8, c.config().upsampling());
            assertEquals(DecoderParameters.shapes(FLUX1).size(), decoderKeys().size(), "every decoder key of the real file is expected");
        }
    }

    /**
     * Binding maps, it does not read: a conv weight given to a host backend is the mapped slice of the file
     * itself (the kernels read it in place), and only the biases and norm scales (0.08% of the decoder's
     * parameters here) are widened into backend memory.
     */
    @Test
    void weightsAreMappedNotCopied(@TempDir Path dir) throws IOException {
        Path file = standIn(dir);
        try (VaeCheckpoint c = VaeCheckpoint.open(file); Backend backend = Backends.create("reference")) {
            String key = "decoder.up.3.block.0.conv1.weight";
            MemorySegment mapped = c.bytes(key);
            assertTrue(mapped.isMapped(), "the weight is a view of the mapped file");
            assertEquals(512L * 512 * 9 * 4, mapped.byteSize());
            ConvWeight w = backend.packConv(mapped, c.type(key), 512, 512, 3, 3);
            assertSame(mapped, w.data(), "the backend keeps the mapped bytes, not a copy");
            assertEquals(WeightType.F32, w.type());
            long vectors = 0, all = 0;
            for (Map.Entry<String, long[]> e : DecoderParameters.shapes(FLUX1).entrySet()) {
                long n = 1;
                for (long d : e.getValue()) n *= d;
                all += n;
                if (e.getValue().length == 1) vectors += n;
            }
            assertTrue(vectors * 1000 < all, vectors + " of " + all + " parameters are vectors");
        }
        try (Backend backend = Backends.create("reference"); VaeDecoder decoder = VaeDecoder.load(file, backend)) {
            assertEquals(FLUX1, decoder.config());
        }
    }

    /** The real file's header with F32 tensors in key-list order, then a data section that is a hole. */
    private static Path standIn(Path dir) throws IOException {
        Map<String, List<Long>> keys = keyList();
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, List<Long>> e : keys.entrySet()) {
            long n = 4;
            for (long d : e.getValue()) n *= d;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", e.getValue());
            entry.put("data_offsets", List.of(offset, offset + n));
            header.put(e.getKey(), entry);
            offset += n;
        }
        byte[] json = new ObjectMapper().writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // safetensors pads the header with spaces to 8 bytes
        byte[] head = new byte[8 + padded];
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(json, 0, head, 8, json.length);
        for (int i = 8 + json.length; i < head.length; i++) head[i] = ' ';
        Path p = dir.resolve("ae.safetensors");
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.write(head);
            f.setLength(head.length + offset);
        }
        assertTrue(offset > 300_000_000L, "the stand-in is as large as the real file: " + offset + " bytes of data");
        return p;
    }

    private static Map<String, List<Long>> keyList() throws IOException {
        try (InputStream in = RealAutoencoderStandInTest.class.getResourceAsStream("/vae/ae.keys.json")) {
            return new ObjectMapper().readValue(in, new TypeReference<LinkedHashMap<String, List<Long>>>() {});
        }
    }

    private static List<String> decoderKeys() throws IOException {
        return keyList().keySet().stream().filter(k -> k.startsWith("decoder.")).toList();
    }
}
