package dev.vitj.core.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every validation rule of the safetensors reader, each with a hand-built malformed file: the reader must
 * throw a {@link SafetensorsException} whose message names the file and, where one is at fault, the tensor.
 */
class SafeTensorsValidationTest {
    @TempDir
    Path dir;

    private int counter;

    /** A file: 8-byte little-endian header length, the header bytes, then {@code data}. */
    private Path file(byte[] header, long declaredLength, byte[] data) throws IOException {
        Path f = dir.resolve("t" + (counter++) + ".safetensors");
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header).put(data);
        Files.write(f, b.array());
        return f;
    }

    private Path file(String header, int dataBytes) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h, h.length, new byte[dataBytes]);
    }

    /** Asserts rejection; the message starts with the file and names the tensor when {@code tensor} is not null. */
    private static SafetensorsException rejected(Path f, String tensor, String fragment) {
        SafetensorsException e = assertThrows(SafetensorsException.class, () -> {
            try (SafeTensors st = SafeTensors.open(f)) {
                st.readAll(null);
            }
        });
        String m = e.getMessage();
        assertTrue(m.startsWith(f.toString()), m);
        assertEquals(f, e.file());
        assertEquals(tensor, e.tensor(), m);
        if (tensor != null) {
            assertTrue(m.contains("tensor '" + tensor + "'"), m);
        }
        assertTrue(m.contains(fragment), "message should contain '" + fragment + "': " + m);
        return e;
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @Test
    void wellFormedFileOpens() throws IOException {
        Path f = file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "I8", "[]", 8, 9) + "}", 9);
        try (SafeTensors st = SafeTensors.open(f)) {
            assertEquals(2, st.names().size());
        }
    }

    @Test
    void headerLengthRules() throws IOException {
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[5]);
        rejected(tiny, null, "file is 5 bytes, shorter than the 8-byte header length");
        rejected(file(new byte[16], 100_000_001L, new byte[0]), null,
                "header length 100000001 exceeds the limit of 100000000 bytes");
        rejected(file(new byte[16], -1L, new byte[0]), null, "header length 18446744073709551615 exceeds the limit");
        rejected(file("{}".getBytes(StandardCharsets.UTF_8), 1000, new byte[0]), null,
                "header length 1000 runs past the end of the 10-byte file");
    }

    @Test
    void headerMustBeOneJsonObjectInUtf8() throws IOException {
        rejected(file(new byte[] {'{', '"', (byte) 0xc3, (byte) 0x28, '"', ':', '1', '}'}, 8, new byte[0]), null,
                "header is not valid UTF-8");
        rejected(file("{\"a\": ", 0), null, "header is not valid JSON");
        rejected(file("{\"a\" 1}", 0), null, "header is not valid JSON");
        rejected(file("[1, 2]", 0), null, "header is not a JSON object");
        rejected(file("\"text\"", 0), null, "header is not a JSON object");
        rejected(file("        ", 0), null, "header is not a JSON object");
        rejected(file("{} {}", 0), null, "header has content after its JSON object");
    }

    @Test
    void headerMustStartWithTheBraceItself() throws IOException {
        String header = "{" + entry("a", "F32", "[1]", 0, 4) + "}";
        rejected(file(" " + header, 4), null,
                "header is not a JSON object: it must start with '{' (0x7B), but starts with 0x20");
        rejected(file("\n" + header, 4), null, "it must start with '{' (0x7B), but starts with 0x0A");
        rejected(file("\uFEFF" + header, 4), null, "it must start with '{' (0x7B), but starts with 0xFEFF"); // a BOM
        rejected(file(new byte[0], 0, new byte[0]), null, "it must start with '{' (0x7B), but it is empty");
    }

    @Test
    void headerMayBePaddedWithTrailingSpaces() throws IOException {
        String header = "{" + entry("a", "F32", "[1]", 0, 4) + "}";
        for (int pad : new int[] {1, 3, 7, 200}) {
            try (SafeTensors st = SafeTensors.open(file(header + " ".repeat(pad), 4))) {
                assertEquals(java.util.Set.of("a"), st.names(), pad + " spaces");
                assertEquals(0f, st.get("a").getFloat(0), 0f);
            }
        }
        rejected(file(header + " x", 4), null, "header is not valid JSON");
    }

    @Test
    void headerEntriesCannotBeChangedThroughTheirShape() throws IOException {
        try (SafeTensors st = SafeTensors.open(file("{" + entry("a", "F32", "[2,3]", 0, 24) + "}", 24))) {
            st.info("a").shape()[0] = 99;
            st.shape("a")[1] = 99;
            assertArrayEquals(new long[] {2, 3}, st.info("a").shape());
            assertArrayEquals(new long[] {2, 3}, st.get("a").shape());
        }
    }

    @Test
    void namesMustBeUnique() throws IOException {
        rejected(file("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8) + "}", 8), "a",
                "duplicate tensor name in the header");
        rejected(file("{\"__metadata__\":{},\"__metadata__\":{}}", 0), null, "duplicate __metadata__ entry");
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "a",
                "header entry is not valid JSON (Duplicate field 'dtype'");
    }

    @Test
    void metadataMustMapStringsToStrings() throws IOException {
        rejected(file("{\"__metadata__\":[\"x\"]}", 0), null, "__metadata__ must be an object of strings");
        rejected(file("{\"__metadata__\":{\"epoch\":3}}", 0), null, "__metadata__ value for key 'epoch' is not a string");
        rejected(file("{\"__metadata__\":{\"k\":null}}", 0), null, "value for key 'k' is not a string");
        rejected(file("{\"__metadata__\":{\"k\":{\"nested\":\"x\"}}}", 0), null, "value for key 'k' is not a string");
    }

    @Test
    void entriesNeedDtypeShapeAndOffsets() throws IOException {
        rejected(file("{\"a\":5}", 0), "a", "entry is not a JSON object");
        rejected(file("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "a", "missing string field 'dtype'");
        rejected(file("{" + entry("a", "F8_E4M3", "[1]", 0, 1) + "}", 1), "a", "unknown dtype 'F8_E4M3'");
        rejected(file("{" + entry("a", "f32", "[1]", 0, 4) + "}", 4), "a", "unknown dtype 'f32'");
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "a", "missing array field 'shape'");
        rejected(file("{" + entry("a", "F32", "[-1]", 0, 4) + "}", 4), "a", "shape entry 0 is not a non-negative integer");
        rejected(file("{" + entry("a", "F32", "[1.5]", 0, 4) + "}", 4), "a", "shape entry 0 is not a non-negative integer");
        rejected(file("{" + entry("a", "F32", "[\"2\"]", 0, 8) + "}", 8), "a", "shape entry 0 is not a non-negative integer");
        rejected(file("{" + entry("a", "F32", "[100000000000000000000000]", 0, 4) + "}", 4), "a",
                "shape entry 0 is not a non-negative integer");
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "a", "'data_offsets' must be an array of two integers");
        rejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8), "a",
                "'data_offsets' must be an array of two integers");
        rejected(file("{" + entry("a", "F32", "[1]", -4, 0) + "}", 4), "a", "data_offsets entry 0 is not a non-negative integer");
        rejected(file("{" + entry("a", "F32", "[0]", 4, 0) + "}", 4), "a", "data_offsets end 0 is before begin 4");
    }

    @Test
    void sizesMustMatchWithoutOverflow() throws IOException {
        rejected(file("{" + entry("a", "F32", "[2,2]", 0, 12) + "}", 12), "a",
                "byte range [0, 12) holds 12 bytes but F32 [2, 2] needs 16");
        rejected(file("{" + entry("a", "BF16", "[3]", 0, 4) + "}", 4), "a", "holds 4 bytes but BF16 [3] needs 6");
        long big = 1L << 40;
        rejected(file("{" + entry("a", "F32", "[" + big + "," + big + "]", 0, 4) + "}", 4), "a",
                "element count of shape [1099511627776, 1099511627776] overflows");
        rejected(file("{" + entry("a", "F64", "[" + (1L << 61) + "]", 0, 8) + "}", 8), "a",
                "byte size of shape [2305843009213693952] overflows");
    }

    @Test
    void rangesMustTileTheDataSection() throws IOException {
        rejected(file("{" + entry("a", "F32", "[4]", 8, 24) + "}", 16), "a",
                "byte range [8, 24) runs past the end of the 16-byte data section");
        rejected(file("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}", 12), "b",
                "byte range [8, 12) leaves a gap of 4 bytes before it");
        rejected(file("{" + entry("a", "F32", "[1]", 4, 8) + "}", 8), "a", "leaves a gap of 4 bytes before it");
        rejected(file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12) + "}", 12), "b",
                "byte range [4, 12) overlaps tensor 'a' [0, 8)");
        rejected(file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 0, 8) + "}", 8), "b",
                "overlaps tensor 'a'");
        rejected(file("{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("z", "F32", "[0]", 4, 4) + "}", 8), "z",
                "byte range [4, 4) overlaps tensor 'a' [0, 8)");
        rejected(file("{" + entry("a", "F32", "[2]", 0, 8) + "}", 12), "a",
                "tensors cover 8 bytes but the data section has 12 bytes (4 bytes after the last tensor belong to none)");
        rejected(file("{}", 4), null, "tensors cover 0 bytes but the data section has 4 bytes");
    }

    @Test
    void unknownNamesAreNamed() throws IOException {
        Path f = file("{" + entry("a", "F32", "[1]", 0, 4) + "}", 4);
        try (SafeTensors st = SafeTensors.open(f)) {
            SafetensorsException e = assertThrows(SafetensorsException.class, () -> st.get("missing"));
            assertEquals("missing", e.tensor());
            assertTrue(e.getMessage().startsWith(f + ": tensor 'missing': no such tensor"), e.getMessage());
        }
    }

    @Test
    void tensorDataIsReadOnGetNotOnOpen() throws IOException {
        byte[] header = ("{" + entry("a", "I32", "[2]", 0, 8) + "}").getBytes(StandardCharsets.UTF_8);
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(2);
        Path f = file(header, header.length, data.array());
        try (SafeTensors st = SafeTensors.open(f)) {
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.seek(8 + header.length + 4);
                raf.write(new byte[] {42, 0, 0, 0}); // little-endian 42
            }
            assertEquals(42, st.get("a").getInt(1));
        }
    }
}
