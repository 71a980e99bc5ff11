package dev.vitj.core.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A safetensors file, opened lazily: the header is read and validated on {@link #open}, each tensor's
 * bytes are read only when {@link #get} asks for it, straight into native ND4J memory (a 600 MB
 * checkpoint never sits in the Java heap).
 *
 * <p>Layout: an 8-byte little-endian header length {@code N}, {@code N} bytes of UTF-8 JSON
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {str: str}}}, then the
 * raw little-endian, row-major tensor bytes, offsets relative to the end of the header. The header starts
 * with {@code '{'} (no leading whitespace) and may be padded at the end with spaces (0x20), as writers do
 * to align the data section.
 *
 * <p>Validation follows the reference implementation's rules; each violation is a
 * {@link SafetensorsException} naming the file, the tensor and the rule.
 */
public final class SafeTensors implements TensorFile {
    /** The largest header the reference implementation accepts. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final String METADATA_KEY = "__metadata__";
    // Duplicate names: the top level is checked by hand (to name the tensor), nested objects by the tree reader.
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

    /**
     * One tensor's header entry; offsets are absolute positions in the file. Immutable: the shape is copied
     * in and out.
     */
    public record TensorInfo(String name, Dtype dtype, long[] shape, long begin, long end) {
        public TensorInfo {
            shape = shape.clone();
        }

        /** The shape (a new array; {@code []} for a scalar). */
        @Override
        public long[] shape() {
            return shape.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                    && begin == t.begin && end == t.end;
        }

        @Override
        public int hashCode() {
            return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Long.hashCode(begin);
        }

        /** Number of elements (product of the shape; 1 for a scalar). */
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape);
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final Map<String, TensorInfo> tensors; // in file order
    private final Map<String, String> metadata;

    private SafeTensors(Path file, FileChannel channel, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.file = file;
        this.channel = channel;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates a safetensors file; tensor data is read on demand. */
    public static SafeTensors open(Path file) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            long size = ch.size();
            if (size < 8) {
                throw new SafetensorsException(file, null, "file is " + size + " bytes, shorter than the 8-byte header length");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n < 0 || n > MAX_HEADER_BYTES) {
                throw new SafetensorsException(file, null, "header length " + Long.toUnsignedString(n)
                        + " exceeds the limit of " + MAX_HEADER_BYTES + " bytes");
            }
            if (8 + n > size) {
                throw new SafetensorsException(file, null, "header length " + n + " runs past the end of the "
                        + size + "-byte file");
            }
            ByteBuffer header = ByteBuffer.allocate((int) n);
            readFully(ch, header, 8);
            long dataStart = 8 + n;
            SafeTensors st = parseHeader(file, ch, header.array(), dataStart, size - dataStart);
            return st;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static SafeTensors parseHeader(Path file, FileChannel ch, byte[] header, long dataStart, long dataLength)
            throws SafetensorsException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw new SafetensorsException(file, null, "header is not valid UTF-8");
        }
        // The format's rule, which a lenient JSON parser would not enforce: the header starts with '{' itself.
        if (text.isEmpty() || text.charAt(0) != '{') {
            throw new SafetensorsException(file, null, "header is not a JSON object: it must start with '{' (0x7B), "
                    + (text.isEmpty() ? "but it is empty" : String.format("but starts with 0x%02X", (int) text.charAt(0))));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> infos = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        // The top-level object is walked token by token so that a duplicate name is reported with that name.
        try (JsonParser p = JSON.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new SafetensorsException(file, null, "header is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.getCurrentName();
                p.nextToken();
                JsonNode v;
                try {
                    v = p.readValueAsTree();
                } catch (JsonProcessingException e) {
                    throw new SafetensorsException(file, name.equals(METADATA_KEY) ? null : name,
                            "header entry is not valid JSON (" + e.getOriginalMessage() + ")");
                }
                if (!seen.add(name)) {
                    throw new SafetensorsException(file, name.equals(METADATA_KEY) ? null : name,
                            "duplicate " + (name.equals(METADATA_KEY) ? METADATA_KEY + " entry" : "tensor name") + " in the header");
                }
                if (name.equals(METADATA_KEY)) {
                    parseMetadata(file, v, metadata);
                } else {
                    infos.add(parseEntry(file, name, v, dataStart, dataLength));
                }
            }
            if (p.nextToken() != null) { // trailing whitespace (the writers' space padding) is skipped
                throw new SafetensorsException(file, null, "header has content after its JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(file, null, "header is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (SafetensorsException e) {
            throw e;
        } catch (IOException e) {
            throw new IllegalStateException("reading JSON from a string", e); // cannot happen: no I/O
        }
        // Byte ranges must tile the data section exactly: sorted by begin, contiguous, no gaps or overlaps.
        List<TensorInfo> byOffset = new ArrayList<>(infos);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = dataStart;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() != expected) {
                String range = "byte range [" + (t.begin() - dataStart) + ", " + (t.end() - dataStart) + ")";
                throw new SafetensorsException(file, t.name(), t.begin() < expected
                        ? range + " overlaps tensor '" + previous.name() + "' [" + (previous.begin() - dataStart)
                                + ", " + (previous.end() - dataStart) + ")"
                        : range + " leaves a gap of " + (t.begin() - expected) + " bytes before it");
            }
            expected = t.end();
            previous = t;
        }
        if (expected != dataStart + dataLength) {
            String last = byOffset.isEmpty() ? null : byOffset.get(byOffset.size() - 1).name();
            throw new SafetensorsException(file, last, "tensors cover " + (expected - dataStart)
                    + " bytes but the data section has " + dataLength + " bytes ("
                    + (dataStart + dataLength - expected) + " bytes after the last tensor belong to none)");
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        for (TensorInfo t : byOffset) {
            tensors.put(t.name(), t);
        }
        return new SafeTensors(file, ch, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
    }

    private static void parseMetadata(Path file, JsonNode v, Map<String, String> metadata) throws SafetensorsException {
        if (!v.isObject()) {
            throw new SafetensorsException(file, null, METADATA_KEY + " must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
            Map.Entry<String, JsonNode> kv = m.next();
            if (!kv.getValue().isTextual()) {
                throw new SafetensorsException(file, null, METADATA_KEY + " value for key '" + kv.getKey()
                        + "' is not a string");
            }
            metadata.put(kv.getKey(), kv.getValue().textValue());
        }
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode v, long dataStart, long dataLength)
            throws SafetensorsException {
        if (!v.isObject()) {
            throw new SafetensorsException(file, name, "entry is not a JSON object");
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new SafetensorsException(file, name, "missing string field 'dtype'");
        }
        Dtype dtype = Dtype.parse(dt.textValue());
        if (dtype == null) {
            throw new SafetensorsException(file, name, "unknown dtype '" + dt.textValue() + "' (expected one of "
                    + Arrays.toString(Dtype.values()) + ")");
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new SafetensorsException(file, name, "missing array field 'shape'");
        }
        long[] shape = new long[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToLong() || d.longValue() < 0) {
                throw new SafetensorsException(file, name, "shape entry " + i + " is not a non-negative integer");
            }
            shape[i] = d.longValue();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException e) {
                throw new SafetensorsException(file, name, "element count of shape " + Arrays.toString(shape)
                        + " overflows");
            }
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw new SafetensorsException(file, name, "'data_offsets' must be an array of two integers");
        }
        for (int i = 0; i < 2; i++) {
            if (!off.get(i).isIntegralNumber() || !off.get(i).canConvertToLong() || off.get(i).longValue() < 0) {
                throw new SafetensorsException(file, name, "data_offsets entry " + i + " is not a non-negative integer");
            }
        }
        long begin = off.get(0).longValue();
        long end = off.get(1).longValue();
        if (end < begin) {
            throw new SafetensorsException(file, name, "data_offsets end " + end + " is before begin " + begin);
        }
        long nbytes;
        try {
            nbytes = Math.multiplyExact(numel, dtype.bytes());
        } catch (ArithmeticException e) {
            throw new SafetensorsException(file, name, "byte size of shape " + Arrays.toString(shape) + " overflows");
        }
        if (end - begin != nbytes) {
            throw new SafetensorsException(file, name, "byte range [" + begin + ", " + end + ") holds " + (end - begin)
                    + " bytes but " + dtype + " " + Arrays.toString(shape) + " needs " + nbytes);
        }
        if (end > dataLength) {
            throw new SafetensorsException(file, name, "byte range [" + begin + ", " + end + ") runs past the end of the "
                    + dataLength + "-byte data section");
        }
        return new TensorInfo(name, dtype, shape, dataStart + begin, dataStart + end);
    }

    /** The file this was opened from. */
    @Override
    public Path file() {
        return file;
    }

    /** Tensor names in file order. */
    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    /** True if the file holds a tensor of that name. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** Header entries in file order. */
    public Map<String, TensorInfo> infos() {
        return tensors;
    }

    /** The header entry of one tensor. */
    public TensorInfo info(String name) throws SafetensorsException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new SafetensorsException(file, name, "no such tensor (file has " + tensors.size() + " tensors)");
        }
        return t;
    }

    @Override
    public Dtype dtype(String name) throws SafetensorsException {
        return info(name).dtype();
    }

    @Override
    public long[] shape(String name) throws SafetensorsException {
        return info(name).shape();
    }

    /** The {@code __metadata__} map (empty when the file has none). */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Reads one tensor in its stored type (F16 and BF16 stay 16-bit). */
    public INDArray get(String name) throws IOException {
        TensorInfo t = info(name);
        long nbytes = t.end() - t.begin();
        if (nbytes > Integer.MAX_VALUE) {
            throw new SafetensorsException(file, name, "tensors over 2 GiB are not supported (" + nbytes + " bytes)");
        }
        DataType type = t.dtype().nd4j();
        long[] shape = t.shape();
        if (t.numel() == 0) {
            return Nd4j.create(type, shape, 'c');
        }
        // Detached: weights outlive any workspace the caller may have open.
        INDArray out = Nd4j.createUninitializedDetached(type, 'c', shape);
        ByteBuffer dst = out.data().asNio();
        dst.clear().limit((int) nbytes);
        readFully(channel, dst, t.begin());
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN && t.dtype().bytes() > 1) {
            swapBytes(out.data().asNio(), t.dtype().bytes(), (int) nbytes);
        }
        return out;
    }

    /** Reads one tensor converted to {@code type} (e.g. F16 widened to FLOAT). */
    @Override
    public INDArray get(String name, DataType type) throws IOException {
        INDArray a = get(name);
        if (a.dataType() == type) {
            return a;
        }
        INDArray converted = a.castTo(type);
        if (a.closeable()) {
            a.close(); // the stored-type copy is garbage now: free it rather than wait for the GC
        }
        return converted;
    }

    /** Reads every tensor, in file order, converted to {@code type} where floating point, or as stored when null. */
    public Map<String, INDArray> readAll(DataType floatType) throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (TensorInfo t : tensors.values()) {
            boolean isFloat = t.dtype() == Dtype.F64 || t.dtype() == Dtype.F32 || t.dtype().isHalf();
            out.put(t.name(), floatType != null && isFloat ? get(t.name(), floatType) : get(t.name()));
        }
        return out;
    }

    /** Convenience: opens a file, reads every tensor as stored, closes it. */
    public static Map<String, INDArray> load(Path file) throws IOException {
        try (SafeTensors st = open(file)) {
            return st.readAll(null);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    // ---- writing ----

    /** Writes tensors without metadata; see {@link #write(Path, Map, Map)}. */
    public static void write(Path file, Map<String, INDArray> tensors) throws IOException {
        write(file, tensors, Map.of());
    }

    /**
     * Writes tensors atomically: to a temporary file beside {@code file}, then moved over it, so a reader
     * never sees a half-written file and a failure leaves any previous file untouched. Tensors are laid out
     * largest element size first (every tensor is naturally aligned), then by name; the header is
     * space-padded to a multiple of 8 bytes. Views and F-order arrays are written in C order.
     *
     * @throws IllegalArgumentException for a null name or array, the reserved name {@code __metadata__},
     *                                  null metadata, or an ND4J type safetensors lacks (the file is not touched)
     */
    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) throws IOException {
        // Everything that can be checked is checked before the temporary file exists.
        if (tensors == null || metadata == null) {
            throw new IllegalArgumentException(file + ": tensors and metadata maps must not be null");
        }
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + ": is a directory, cannot write a safetensors file there");
        }
        for (Map.Entry<String, String> m : metadata.entrySet()) {
            if (m.getKey() == null || m.getValue() == null) {
                throw new IllegalArgumentException(file + ": metadata key and value must not be null (key " + m.getKey() + ")");
            }
        }
        record Entry(String name, INDArray array, Dtype dtype) {}
        List<Entry> order = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || METADATA_KEY.equals(name)) {
                throw new IllegalArgumentException(file + ": tensor name " + (name == null ? "null" : "'" + name + "' is reserved"));
            }
            if (e.getValue() == null) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "' is null");
            }
            Dtype d;
            try {
                d = Dtype.of(e.getValue().dataType());
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException(file + ": tensor '" + name + "': " + ex.getMessage(), ex);
            }
            order.add(new Entry(name, e.getValue(), d));
        }
        order.sort(Comparator.comparingInt((Entry e) -> -e.dtype().bytes()).thenComparing(Entry::name));

        StringBuilder h = new StringBuilder("{");
        if (!metadata.isEmpty()) {
            h.append(quote(METADATA_KEY)).append(":{");
            boolean first = true;
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (!first) {
                    h.append(',');
                }
                first = false;
                h.append(quote(m.getKey())).append(':').append(quote(m.getValue()));
            }
            h.append('}');
        }
        long offset = 0;
        for (Entry e : order) {
            long nbytes = e.array().length() * e.dtype().bytes();
            if (h.length() > 1) {
                h.append(',');
            }
            h.append(quote(e.name())).append(":{\"dtype\":\"").append(e.dtype().name()).append("\",\"shape\":[");
            long[] shape = e.array().shape();
            for (int i = 0; i < shape.length; i++) {
                h.append(i == 0 ? "" : ",").append(shape[i]);
            }
            h.append("],\"data_offsets\":[").append(offset).append(',').append(offset + nbytes).append("]}");
            offset += nbytes;
        }
        h.append('}');
        byte[] json = h.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');

        Path tmp = AtomicFiles.tempFileBeside(file);
        FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        try (ch) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            writeFully(ch, len);
            writeFully(ch, ByteBuffer.wrap(header));
            for (Entry e : order) {
                INDArray a = e.array();
                if (a.length() == 0) {
                    continue;
                }
                INDArray c = (a.isView() || a.ordering() != 'c' || a.data().offset() != 0) ? a.dup('c') : a;
                int width = e.dtype().bytes();
                long total = c.length() * width;
                if (total > Integer.MAX_VALUE) {
                    throw new IllegalArgumentException(file + ": tensor '" + e.name() + "' is over 2 GiB (" + total
                            + " bytes), which this writer does not support");
                }
                int nbytes = (int) total;
                ByteBuffer src = c.data().asNio();
                src.clear().limit(nbytes);
                if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN && width > 1) {
                    ByteBuffer copy = ByteBuffer.allocate(nbytes).put(src);
                    copy.flip();
                    swapBytes(copy, width, nbytes);
                    src = copy;
                }
                writeFully(ch, src);
                // The NIO view does not keep the array alive; without this the GC may free the native
                // buffer while it is still being written.
                Reference.reachabilityFence(c);
            }
            ch.force(true);
            ch.close();
            AtomicFiles.move(tmp, file);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    private static String quote(String s) {
        try {
            return JSON.writeValueAsString(s);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long pos = position;
        while (dst.hasRemaining()) {
            int r = ch.read(dst, pos);
            if (r < 0) {
                throw new IOException("unexpected end of file at byte " + pos);
            }
            pos += r;
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            ch.write(src);
        }
    }

    private static void swapBytes(ByteBuffer b, int width, int nbytes) {
        for (int i = 0; i < nbytes; i += width) {
            for (int a = i, z = i + width - 1; a < z; a++, z--) {
                byte t = b.get(a);
                b.put(a, b.get(z));
                b.put(z, t);
            }
        }
    }
}
