package dev.vitj.core.io.torch;

import dev.vitj.core.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static dev.vitj.core.io.torch.PickleBuilder.*;
import static dev.vitj.core.io.torch.TorchCheckpointFixtureTest.rawBytes;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Checkpoint-level behaviour: strided views and every dtype against numpy's answer (committed test files
 * made by {@code make_test_checkpoints.py} with CPython's own pickler), finding the state dict, and every
 * archive-level defect reported with the file, the entry and, where one is involved, the tensor.
 */
class TorchCheckpointTest {
    @TempDir
    Path dir;

    static Path resource(String name) {
        try {
            return Path.of(TorchCheckpointTest.class.getResource(name).toURI());
        } catch (URISyntaxException | NullPointerException e) {
            throw new AssertionError("test resource missing: " + name, e);
        }
    }

    // ---- files written by CPython's pickler, expected values from numpy ----

    @ParameterizedTest
    @ValueSource(strings = {"views_p2.pt", "views_p4_deflated.pt", "views_p5_bigendian.pt"})
    void stridedViewsAndEveryDtypeMatchNumpy(String file) throws IOException {
        try (SafeTensors expected = SafeTensors.open(resource("views_expected.safetensors"));
             TorchCheckpoint ckpt = TorchCheckpoint.open(resource(file))) {
            assertNull(ckpt.stateDictKey());
            assertEquals(new ArrayList<>(expected.names()), new ArrayList<>(ckpt.names()), "pickle order");
            for (String name : expected.names()) {
                INDArray e = expected.get(name);
                INDArray a = ckpt.get(name);
                assertArrayEquals(e.shape(), a.shape(), name);
                assertEquals(e.dataType(), a.dataType(), name);
                assertEquals(expected.info(name).dtype(), ckpt.info(name).dtype(), name);
                assertArrayEquals(rawBytes(e), rawBytes(a), file + " " + name + ": bytes differ");
            }
            assertFalse(ckpt.info("f32.transposed").isContiguous());
            assertFalse(ckpt.info("f32.every_other_column").isContiguous());
            assertFalse(ckpt.info("f32.expanded").isContiguous());
            assertFalse(ckpt.info("f16.permuted").isContiguous());
            assertTrue(ckpt.info("f32.rows").isContiguous());
            assertEquals(4, ckpt.info("f32.rows").storageOffset());
            assertTrue(ckpt.info("u8.size_one_dim").isContiguous());
            assertEquals(0, ckpt.get("f32.scalar").rank());
            assertEquals(0, ckpt.get("f32.empty").length());
            assertArrayEquals(new long[] {0, 5}, ckpt.get("f32.empty").shape());
            assertEquals(DataType.BOOL, ckpt.get("bool.transposed").dataType());
            // widening on request
            INDArray widened = ckpt.get("f16.permuted", DataType.FLOAT);
            assertEquals(DataType.FLOAT, widened.dataType());
            assertArrayEquals(rawBytes(expected.get("f16.permuted", DataType.FLOAT)), rawBytes(widened));
        }
    }

    @Test
    void tensorsSharingAStorageComeOutIndependent() throws IOException {
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(resource("views_p2.pt"))) {
            assertEquals(ckpt.info("f32.transposed").storageKey(), ckpt.info("f32.rows").storageKey());
            INDArray t = ckpt.get("f32.transposed"); // [4,3] view of a [3,4] matrix
            INDArray rows = ckpt.get("f32.rows");    // its rows 1..2
            float before = rows.getFloat(0, 0);
            assertEquals(t.getFloat(0, 1), before, 0f, "rows[0][0] is matrix[1][0] = transposed[0][1]");
            t.muli(2);
            assertEquals(before, rows.getFloat(0, 0), 0f);
        }
    }

    @Test
    void trainingCheckpointsFindTheirStateDict() throws IOException {
        Path file = resource("training_checkpoint.pt");
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file);
             TorchCheckpoint views = TorchCheckpoint.open(resource("views_p2.pt"))) {
            assertEquals("state_dict", ckpt.stateDictKey());
            assertEquals(List.of("w", "b"), new ArrayList<>(ckpt.names()));
            assertArrayEquals(rawBytes(views.get("f32.parameter")), rawBytes(ckpt.get("w")));
        }
        try (TorchCheckpoint ema = TorchCheckpoint.open(file, "state_dict_ema")) {
            assertEquals(List.of("w"), new ArrayList<>(ema.names()));
            assertArrayEquals(new long[] {2, 3}, ema.get("w").shape());
        }
        assertRejected(() -> TorchCheckpoint.open(file, "epoch"), file, "archive/data.pkl",
                "entry 'epoch' is not a state dict: it is int 7, not a dict");
        assertRejected(() -> TorchCheckpoint.open(file, "nope"), file, "archive/data.pkl",
                "the checkpoint has no top-level entry 'nope' (top-level keys: [str 'epoch', str 'state_dict'");
    }

    @Test
    void aPickleThatCallsOsSystemIsRejectedWithoutRunningIt() throws IOException {
        Path file = resource("evil_os_system.pt");
        Path marker = Path.of("vitj_pickle_executed");
        Files.deleteIfExists(marker);
        assertRejected(() -> TorchCheckpoint.open(file), file, "archive/data.pkl",
                "global posix.system is not on the allow-list");
        assertFalse(Files.exists(marker));
    }

    // ---- hand-built checkpoints ----

    private static final float[] TWELVE = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

    private Path oneTensor(String folder, long numel, long offset, long[] size, long[] stride, byte[] data) throws IOException {
        Map<String, PickleBuilder> t = new LinkedHashMap<>();
        t.put("w", tensorFragment("FloatStorage", "0", numel, offset, size, stride));
        return checkpoint(dir.resolve("one.pt"), folder, stateDict(t), Map.of("0", data));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void handBuiltViewsStoredOrDeflated(boolean deflate) throws IOException {
        Map<String, PickleBuilder> t = new LinkedHashMap<>();
        t.put("transposed", tensorFragment("FloatStorage", "0", 12, 0, new long[] {4, 3}, new long[] {1, 4}));
        t.put("slice", tensorFragment("FloatStorage", "0", 12, 5, new long[] {2, 2}, new long[] {4, 1}));
        t.put("expanded", tensorFragment("FloatStorage", "0", 12, 2, new long[] {2, 3}, new long[] {0, 3})); // stride 0
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("open_clip_pytorch_model/data.pkl", stateDict(t));
        entries.put("open_clip_pytorch_model/data/0", floats(TWELVE));
        Path file = zip(dir.resolve("views.bin"), entries, deflate);
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            for (String name : ckpt.names()) {
                TensorInfo info = ckpt.info(name);
                INDArray a = ckpt.get(name);
                long[] s = info.shape();
                for (int i = 0; i < s[0]; i++) {
                    for (int j = 0; j < s[1]; j++) { // by definition of a strided view
                        long k = info.storageOffset() + i * info.stride()[0] + j * info.stride()[1];
                        assertEquals(TWELVE[(int) k], a.getFloat(i, j), 0f, name + "[" + i + "," + j + "]");
                    }
                }
            }
        }
    }

    @Test
    void storageDataIsReadOnGetNotOnOpen() throws IOException {
        Path file = oneTensor("archive", 4, 0, new long[] {4}, new long[] {1}, floats(1, 2, 3, 4));
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            // overwrite the stored storage bytes in place; a lazy reader sees the new values
            byte[] all = Files.readAllBytes(file);
            int at = indexOf(all, floats(1, 2, 3, 4));
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.seek(at);
                raf.write(floats(5, 6, 7, 8));
            }
            assertEquals(8f, ckpt.get("w").getFloat(3), 0f);
        }
    }

    @Test
    void missingOrMisSizedStoragesAreRejected() throws IOException {
        Map<String, PickleBuilder> t = new LinkedHashMap<>();
        t.put("w", tensorFragment("FloatStorage", "0", 4, 0, new long[] {4}, new long[] {1}));
        Path missing = checkpoint(dir.resolve("missing.pt"), "archive", stateDict(t), Map.of("1", floats(1, 2, 3, 4)));
        assertRejected(() -> TorchCheckpoint.open(missing), missing, "archive/data/0", "storage entry is missing from the zip");

        Path short5 = oneTensor("archive", 6, 0, new long[] {6}, new long[] {1}, floats(1, 2, 3, 4, 5));
        assertRejected(() -> TorchCheckpoint.open(short5), short5, "archive/data/0",
                "tensor 'w': storage '0' (F32, 6 elements) needs 24 bytes but the zip entry holds 20");
    }

    @Test
    void viewsOutsideTheirStorageAreRejected() throws IOException {
        Path past = oneTensor("archive", 6, 0, new long[] {3, 3}, new long[] {3, 1}, floats(1, 2, 3, 4, 5, 6));
        assertRejected(() -> TorchCheckpoint.open(past), past, "archive/data/0",
                "tensor 'w': view with offset 0, size [3, 3], stride [3, 1] reaches element 8 but storage '0' (F32, 6 elements) ends at 6");
        Path offset = oneTensor("archive", 6, 6, new long[] {}, new long[] {}, floats(1, 2, 3, 4, 5, 6));
        assertRejected(() -> TorchCheckpoint.open(offset), offset, "archive/data/0", "reaches element 6");
        Path overflow = oneTensor("archive", 6, 0, new long[] {1L << 62, 4}, new long[] {1, 1L << 62}, floats(1, 2, 3, 4, 5, 6));
        assertRejected(() -> TorchCheckpoint.open(overflow), overflow, "archive/data/0", "tensor 'w': element count or extent overflows");
        Path expanded = oneTensor("archive", 4, 0, new long[] {1 << 20, 4}, new long[] {0, 1}, floats(1, 2, 3, 4));
        assertRejected(() -> TorchCheckpoint.open(expanded), expanded, "archive/data/0",
                "tensor 'w' has 4194304 elements but storage '0' (F32, 4 elements) holds only 4; views that repeat elements");
        Path numelOverflow = oneTensor("archive", Long.MAX_VALUE / 2, 0, new long[] {1}, new long[] {1}, floats(1));
        assertRejected(() -> TorchCheckpoint.open(numelOverflow), numelOverflow, "archive/data/0", "overflows");
    }

    @Test
    void objectsThatAreNotStateDictsAreRejected() throws IOException {
        byte[] tensor = tensorFragment("FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1}).bytes();
        Map<String, byte[]> data = Map.of("0", floats(1));
        Path mixed = checkpoint(dir.resolve("mixed.pt"), "archive", new PickleBuilder().proto(2).op(EMPTY_DICT, MARK)
                .str("w").raw(tensor).str("epoch").op(BININT1, 3).op(SETITEMS, STOP).bytes(), data);
        assertRejected(() -> TorchCheckpoint.open(mixed), mixed, "archive/data.pkl",
                "no state dict found: the root entry 'epoch' is int 3, not a tensor, and it has no entry [state_dict, model]");
        Path list = checkpoint(dir.resolve("list.pt"), "archive", new PickleBuilder().proto(2).op(EMPTY_LIST, STOP).bytes(), data);
        assertRejected(() -> TorchCheckpoint.open(list), list, "archive/data.pkl", "the root is list of 0, not a dict");
        Path intKey = checkpoint(dir.resolve("intkey.pt"), "archive", new PickleBuilder().proto(2).op(EMPTY_DICT)
                .op(BININT1, 1).raw(tensor).op(SETITEM, STOP).bytes(), data);
        assertRejected(() -> TorchCheckpoint.open(intKey), intKey, "archive/data.pkl", "has a key that is int 1, not a str");
        try (TorchCheckpoint ok = TorchCheckpoint.open(checkpoint(dir.resolve("ok.pt"), "archive",
                new PickleBuilder().proto(2).op(EMPTY_DICT).str("w").raw(tensor).op(SETITEM, STOP).bytes(), data))) {
            assertRejected(() -> ok.info("nope"), ok.file(), null, "no tensor named 'nope' (the state dict has 1 tensors)");
        }
    }

    @Test
    void archiveDefectsAreRejected() throws IOException {
        byte[] pickle = stateDict(Map.of("w", tensorFragment("FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1})));
        Path notZip = Files.writeString(dir.resolve("text.bin"), "hello, not a zip");
        assertRejected(() -> TorchCheckpoint.open(notZip), notZip, null, "not a zip archive");

        Path legacy = Files.write(dir.resolve("legacy.pt"), new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0x6c, (byte) 0xfc, 0x1});
        assertRejected(() -> TorchCheckpoint.open(legacy), legacy, null, "legacy torch.save format");

        Path noPickle = zip(dir.resolve("nopickle.pt"), Map.of("archive/other.txt", new byte[1]), false);
        assertRejected(() -> TorchCheckpoint.open(noPickle), noPickle, null, "zip has no FOLDER/data.pkl entry");

        Map<String, byte[]> two = new LinkedHashMap<>();
        two.put("a/data.pkl", pickle);
        two.put("b/data.pkl", pickle);
        Path twoPickles = zip(dir.resolve("two.pt"), two, false);
        assertRejected(() -> TorchCheckpoint.open(twoPickles), twoPickles, null, "zip has 2 data.pkl records [a/, b/]");

        Map<String, byte[]> script = new LinkedHashMap<>();
        script.put("m/data.pkl", pickle);
        script.put("m/constants.pkl", pickle);
        Path torchScript = zip(dir.resolve("script.pt"), script, false);
        assertRejected(() -> TorchCheckpoint.open(torchScript), torchScript, "m/constants.pkl", "TorchScript archive");

        Map<String, byte[]> middle = new LinkedHashMap<>();
        middle.put("archive/data.pkl", pickle);
        middle.put("archive/byteorder", "middle".getBytes(StandardCharsets.US_ASCII));
        middle.put("archive/data/0", floats(1));
        Path badOrder = zip(dir.resolve("order.pt"), middle, false);
        assertRejected(() -> TorchCheckpoint.open(badOrder), badOrder, "archive/byteorder",
                "byte order must be 'little' or 'big', got 'middle'");

        Map<String, byte[]> version = new LinkedHashMap<>();
        version.put("archive/data.pkl", pickle);
        version.put("archive/version", "three".getBytes(StandardCharsets.US_ASCII));
        version.put("archive/data/0", floats(1));
        Path badVersion = zip(dir.resolve("version.pt"), version, false);
        assertRejected(() -> TorchCheckpoint.open(badVersion), badVersion, "archive/version", "format version must be a number");

        Map<String, byte[]> truncated = new LinkedHashMap<>();
        truncated.put("archive/data.pkl", java.util.Arrays.copyOf(pickle, pickle.length - 3));
        truncated.put("archive/data/0", floats(1));
        Path cut = zip(dir.resolve("cut.pt"), truncated, false);
        assertRejected(() -> TorchCheckpoint.open(cut), cut, "archive/data.pkl", "the pickle ends without a STOP opcode (truncated)");
    }

    @Test
    void aCorruptDeflatedStorageIsRejectedOnGet() throws IOException {
        float[] values = new float[256];
        for (int i = 0; i < values.length; i++) {
            values[i] = i % 7;
        }
        byte[] data = floats(values);
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", stateDict(Map.of("w", tensorFragment("FloatStorage", "0", 256, 0, new long[] {256}, new long[] {1}))));
        entries.put("archive/data/0", data);
        Path file = zip(dir.resolve("deflated.pt"), entries, true);
        // find the raw deflate stream of the storage (ZipOutputStream uses the default level) and break its first block
        Deflater d = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        d.setInput(data);
        d.finish();
        byte[] buf = new byte[4096];
        int n = d.deflate(buf);
        byte[] all = Files.readAllBytes(file);
        int at = indexOf(all, java.util.Arrays.copyOf(buf, n));
        all[at] = (byte) 0xff; // block type 3 is reserved: invalid
        Files.write(file, all);
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            assertRejected(() -> ckpt.get("w"), file, "archive/data/0", "corrupt zip entry");
        }
    }

    @Test
    void aStorageWhoseLocalHeaderLiesPastTheEndIsRejectedOnGet() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("archive/data.pkl", stateDict(Map.of("w", tensorFragment("FloatStorage", "0", 12, 0, new long[] {12}, new long[] {1}))));
        entries.put("archive/data/0", floats(TWELVE));
        Path file = zip(dir.resolve("offset.pt"), entries, false);
        byte[] all = Files.readAllBytes(file);
        // the central directory record of archive/data/0 (signature PK\1\2): point its local header offset
        // (at +42) 10 bytes before the end of the file, so the 30-byte local header cannot be read
        byte[] name = "archive/data/0".getBytes(StandardCharsets.US_ASCII);
        int record = -1;
        for (int at = 0; at + 46 + name.length <= all.length; at++) {
            if (all[at] == 'P' && all[at + 1] == 'K' && all[at + 2] == 1 && all[at + 3] == 2
                    && java.util.Arrays.equals(all, at + 46, at + 46 + name.length, name, 0, name.length)) {
                record = at;
            }
        }
        assertTrue(record >= 0, "central directory record of archive/data/0 not found");
        java.nio.ByteBuffer.wrap(all, record + 42, 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(all.length - 10);
        Files.write(file, all);
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
            assertRejected(() -> ckpt.get("w"), file, "archive/data/0", "corrupt zip entry");
        }
    }

    @Test
    void randomlyCorruptedPicklesFailCleanlyEndToEnd() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (InputStream in = Files.newInputStream(resource("views_p2.pt")); ZipInputStream z = new ZipInputStream(in)) {
            for (ZipEntry e; (e = z.getNextEntry()) != null; ) {
                entries.put(e.getName(), z.readAllBytes());
            }
        }
        byte[] pickle = entries.get("archive/data.pkl");
        Random rnd = new Random(7);
        Path file = dir.resolve("fuzz.pt");
        int opened = 0;
        for (int trial = 0; trial < 120; trial++) {
            byte[] bad = pickle.clone();
            for (int f = 0; f < 2; f++) {
                bad[rnd.nextInt(bad.length)] = (byte) rnd.nextInt(256);
            }
            entries.put("archive/data.pkl", bad);
            zip(file, entries, false);
            try (TorchCheckpoint ckpt = TorchCheckpoint.open(file)) {
                ckpt.readAll(null);
                opened++;
            } catch (TorchFormatException expected) {
                // reported as a format problem
            } catch (RuntimeException e) {
                fail("trial " + trial + ": " + e, e);
            }
        }
        assertTrue(opened < 120, "corruption must be noticed at least sometimes");
    }

    // ---- helpers ----

    interface Action {
        void run() throws IOException;
    }

    static void assertRejected(Action action, Path file, String entry, String fragment) {
        TorchFormatException e = assertThrows(TorchFormatException.class, action::run);
        String m = e.getMessage();
        assertTrue(m.startsWith(file + (entry == null ? ": " : " [" + entry + "]: ")), m);
        assertTrue(m.contains(fragment), "message should contain '" + fragment + "': " + m);
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("bytes not found");
    }
}
