package dev.vitj.core.io.torch;

import dev.vitj.core.io.Dtype;
import dev.vitj.core.io.TensorFile;
import dev.vitj.core.io.torch.TorchGlobals.StorageRef;
import dev.vitj.core.io.torch.TorchGlobals.TensorRef;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A PyTorch checkpoint ({@code .bin}, {@code .pt}, {@code .pth} written by {@code torch.save}, PyTorch 1.6 or
 * later), read without running any Python: the pickle is interpreted by a restricted {@link Unpickler}
 * whose allow-list knows only tensors, parameters and (ordered) dicts; anything else is a
 * {@link TorchFormatException}.
 *
 * <p>{@link #open} reads and validates the pickle only: every tensor's dtype, shape, strides and offset
 * are checked against its storage's zip entry. Tensor data is read on {@link #get}, streamed straight into
 * native ND4J memory (a contiguous tensor needs no other buffer; a strided view, such as a transposed or
 * sliced tensor, needs one temporary buffer the size of the storage range it spans). Two tensors that
 * share a storage come out as independent arrays. No tensor may have more elements than its storage,
 * so no array is larger than data actually present in the file (expanded stride-0 views that would be
 * are rejected); a crafted file can still list one storage under many names, so read untrusted files
 * with {@link #get} for the names you need rather than {@link #readAll}.
 *
 * <p>Where the state dict is: by default the root object when it is a dict of tensors, otherwise the
 * first of the root's entries {@link #STATE_DICT_KEYS} that is one (training checkpoints such as
 * {@code {"epoch": 3, "state_dict": {...}}}); {@link #open(Path, String)} names the entry explicitly.
 * Names are returned in pickle order (the order of {@code model.state_dict()}).
 */
public final class TorchCheckpoint implements TensorFile {
    /** Root-dict entries tried, in order, when the root itself is not a dict of tensors (timm, OpenCLIP conventions). */
    public static final List<String> STATE_DICT_KEYS = List.of("state_dict", "model");

    private final TorchArchive archive;
    private final String stateDictKey;
    private final Map<String, TensorInfo> tensors;

    private TorchCheckpoint(TorchArchive archive, String stateDictKey, Map<String, TensorInfo> tensors) {
        this.archive = archive;
        this.stateDictKey = stateDictKey;
        this.tensors = tensors;
    }

    /** Opens a checkpoint, finding its state dict as described in the class comment. */
    public static TorchCheckpoint open(Path file) throws IOException {
        return open(file, null);
    }

    /**
     * Opens a checkpoint whose state dict is the root entry {@code stateDictKey} (e.g. {@code "state_dict"},
     * {@code "model"}, {@code "state_dict_ema"}); null finds it as {@link #open(Path)} does.
     */
    public static TorchCheckpoint open(Path file, String stateDictKey) throws IOException {
        TorchArchive archive = TorchArchive.open(file);
        try {
            String entry = archive.pickleEntry();
            Object root = Unpickler.load(file, entry, archive.readPickle(), new TorchGlobals());
            String key = stateDictKey != null ? stateDictKey : findStateDict(file, entry, root);
            Object dict = root;
            if (key != null) {
                if (!(root instanceof Map<?, ?> m) || !m.containsKey(key)) {
                    throw new TorchFormatException(file, entry, "the checkpoint has no top-level entry '" + key + "'"
                            + (root instanceof Map ? topKeys(root) : " (the root is " + Unpickler.describe(root) + ")"));
                }
                dict = m.get(key);
            }
            Map<String, TensorInfo> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, TensorRef> e : tensorDict(file, entry, key, dict).entrySet()) {
                tensors.put(e.getKey(), validate(archive, e.getKey(), e.getValue()));
            }
            return new TorchCheckpoint(archive, key, Collections.unmodifiableMap(tensors));
        } catch (IOException | RuntimeException e) {
            archive.close();
            throw e;
        }
    }

    /** Reads every tensor of a checkpoint as stored, in pickle order, and closes it. */
    public static Map<String, INDArray> load(Path file) throws IOException {
        try (TorchCheckpoint ckpt = open(file)) {
            return ckpt.readAll(null);
        }
    }

    /** null when the root is the state dict; otherwise the root key it was found under. */
    private static String findStateDict(Path file, String entry, Object root) throws TorchFormatException {
        String why = notTensorDict(root);
        if (why == null) {
            return null;
        }
        if (root instanceof Map<?, ?> m) {
            for (String k : STATE_DICT_KEYS) {
                if (m.containsKey(k) && notTensorDict(m.get(k)) == null) {
                    return k;
                }
            }
        }
        throw new TorchFormatException(file, entry, "no state dict found: the root " + why + ", and it has no entry "
                + STATE_DICT_KEYS + " holding a dict of tensors" + topKeys(root)
                + "; name the entry with TorchCheckpoint.open(file, key)");
    }

    /** null when {@code o} is a dict from names to tensors, otherwise what is wrong with it. */
    private static String notTensorDict(Object o) {
        if (!(o instanceof Map<?, ?> m)) {
            return "is " + Unpickler.describe(o) + ", not a dict";
        }
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (!(e.getKey() instanceof String k)) {
                return "has a key that is " + Unpickler.describe(e.getKey()) + ", not a str";
            }
            if (!(e.getValue() instanceof TensorRef)) {
                return "entry '" + k + "' is " + Unpickler.describe(e.getValue()) + ", not a tensor";
            }
        }
        return null;
    }

    private static String topKeys(Object root) {
        if (!(root instanceof Map<?, ?> m)) {
            return "";
        }
        List<String> keys = new ArrayList<>();
        for (Object k : m.keySet()) {
            if (keys.size() == 20) {
                keys.add("...");
                break;
            }
            keys.add(Unpickler.describe(k));
        }
        return " (top-level keys: " + keys + ")";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, TensorRef> tensorDict(Path file, String entry, String key, Object dict)
            throws TorchFormatException {
        String why = notTensorDict(dict);
        if (why != null) {
            throw new TorchFormatException(file, entry, (key == null ? "the root" : "entry '" + key + "'")
                    + " is not a state dict: it " + why);
        }
        return (Map<String, TensorRef>) dict;
    }

    /** Checks a tensor against its storage entry before anything is allocated for it. */
    private static TensorInfo validate(TorchArchive archive, String name, TensorRef t) throws TorchFormatException {
        Path file = archive.file();
        StorageRef s = t.storage();
        String entry = archive.storageEntry(s.key());
        int es = s.dtype().bytes();
        long storageBytes;
        long numel = 1;
        long last = t.offset(); // storage index of the tensor's last element
        try {
            storageBytes = Math.multiplyExact(s.numel(), es);
            for (int i = 0; i < t.size().length; i++) {
                numel = Math.multiplyExact(numel, t.size()[i]);
                if (t.size()[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(t.size()[i] - 1, t.stride()[i]));
                }
            }
        } catch (ArithmeticException e) {
            throw new TorchFormatException(file, entry, "tensor '" + name + "': element count or extent overflows ("
                    + t + ", stride " + Arrays.toString(t.stride()) + ")");
        }
        long declared = archive.storageSize(s.key()); // also checks that the entry exists
        if (declared >= 0 && declared != storageBytes) {
            throw new TorchFormatException(file, entry, "tensor '" + name + "': " + s + " needs " + storageBytes
                    + " bytes but the zip entry holds " + declared);
        }
        if (numel > 0 && last >= s.numel()) {
            throw new TorchFormatException(file, entry, "tensor '" + name + "': view with offset " + t.offset()
                    + ", size " + Arrays.toString(t.size()) + ", stride " + Arrays.toString(t.stride())
                    + " reaches element " + last + " but " + s + " ends at " + s.numel());
        }
        if (numel > s.numel()) {
            // Only views that repeat elements (stride 0, overlapping strides) can do this. Copying them would let a
            // few bytes of pickle ask for arbitrarily large arrays, so a tensor is limited to its storage's size.
            throw new TorchFormatException(file, entry, "tensor '" + name + "' has " + numel + " elements but " + s
                    + " holds only " + s.numel() + "; views that repeat elements (stride 0) beyond their storage's size"
                    + " are not supported");
        }
        return new TensorInfo(name, s.dtype(), t.size(), t.stride(), t.offset(), s.key()); // the record copies the arrays
    }

    /** The checkpoint file. */
    @Override
    public Path file() {
        return archive.file();
    }

    /** The root entry holding the state dict, or null when the root object is the state dict. */
    public String stateDictKey() {
        return stateDictKey;
    }

    /** Tensor names in pickle order. */
    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    /** True if the state dict holds a tensor of that name. */
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** Every tensor's layout, in pickle order. */
    public Map<String, TensorInfo> infos() {
        return tensors;
    }

    /** One tensor's layout. */
    public TensorInfo info(String name) throws TorchFormatException {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new TorchFormatException(file(), null, "no tensor named '" + name + "' (the state dict has "
                    + tensors.size() + " tensors)");
        }
        return t;
    }

    @Override
    public Dtype dtype(String name) throws TorchFormatException {
        return info(name).dtype();
    }

    @Override
    public long[] shape(String name) throws TorchFormatException {
        return info(name).shape();
    }

    /** Reads one tensor in its stored type, as a new C-order array (shape [] for a 0-dim tensor). */
    public INDArray get(String name) throws IOException {
        TensorInfo t = info(name);
        DataType type = t.dtype().nd4j();
        long numel = t.numel();
        long[] shape = t.shape();
        long[] stride = t.stride();
        if (numel == 0) {
            return Nd4j.create(type, shape, 'c');
        }
        int es = t.dtype().bytes();
        int nbytes = checkedBytes(t, numel * es);
        // Weights outlive any workspace the caller may have open, hence detached arrays.
        INDArray out = Nd4j.createUninitializedDetached(type, 'c', shape);
        ByteBuffer dst = out.data().asNio();
        dst.clear();
        if (t.isContiguous()) {
            archive.read(t.storageKey(), t.storageOffset() * es, nbytes, dst, es);
            return out; // 'out' stays reachable through the return, so its buffer outlives the read
        }
        long span = 1; // storage elements from the first to the last element of the view
        for (int i = 0; i < shape.length; i++) {
            span += (shape[i] - 1) * stride[i];
        }
        int spanBytes = checkedBytes(t, span * es);
        INDArray tmp = Nd4j.createUninitializedDetached(DataType.BYTE, 'c', spanBytes);
        try {
            ByteBuffer src = tmp.data().asNio();
            src.clear();
            archive.read(t.storageKey(), t.storageOffset() * es, spanBytes, src, es);
            gather(src, dst, shape, stride, es);
        } finally {
            tmp.close();
        }
        return out;
    }

    private int checkedBytes(TensorInfo t, long bytes) throws TorchFormatException {
        if (bytes > Integer.MAX_VALUE - 8) {
            throw new TorchFormatException(file(), archive.storageEntry(t.storageKey()), "tensor '" + t.name()
                    + "': tensors spanning over 2 GiB are not supported (" + bytes + " bytes)");
        }
        return (int) bytes;
    }

    /**
     * Copies a strided view into row-major order: {@code src} starts at the view's first element, and
     * element {@code [i0, i1, ...]} is at element {@code sum(i_k * stride_k)} of it. Rows whose last
     * dimension is dense are copied in one block.
     */
    private static void gather(ByteBuffer src, ByteBuffer dst, long[] shape, long[] stride, int es) {
        int rank = shape.length;
        int last = rank - 1;
        int rowLen = (int) shape[last];
        long rowStride = stride[last];
        long[] index = new long[rank]; // counters of the outer dimensions; index[last] unused
        int out = 0;
        while (true) {
            long base = 0;
            for (int d = 0; d < last; d++) {
                base += index[d] * stride[d];
            }
            if (rowStride == 1) {
                dst.put(out, src, (int) (base * es), rowLen * es);
                out += rowLen * es;
            } else {
                for (int j = 0; j < rowLen; j++) {
                    int from = (int) ((base + j * rowStride) * es);
                    for (int b = 0; b < es; b++) {
                        dst.put(out++, src.get(from + b));
                    }
                }
            }
            int d = last - 1;
            while (d >= 0 && ++index[d] == shape[d]) {
                index[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
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

    /** Reads every tensor in pickle order, floating-point ones converted to {@code floatType} (null: as stored). */
    public Map<String, INDArray> readAll(DataType floatType) throws IOException {
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (TensorInfo t : tensors.values()) {
            Dtype d = t.dtype();
            boolean isFloat = d == Dtype.F64 || d == Dtype.F32 || d.isHalf();
            out.put(t.name(), floatType != null && isFloat ? get(t.name(), floatType) : get(t.name()));
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        archive.close();
    }
}
