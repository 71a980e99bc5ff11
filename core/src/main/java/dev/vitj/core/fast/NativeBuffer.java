package dev.vitj.core.fast;

import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;

/**
 * A block of off-heap floats that BLAS reads and writes in place (at its {@link #address()}) and Java
 * kernels read and write row by row (through a {@link FloatBuffer} view, bulk copies into {@code float[]}
 * scratch rows). The memory belongs to an ND4J array, allocated once and outside any workspace, so
 * results can be handed to callers as {@link INDArray}s and the native memory is freed by ND4J (on
 * {@link #close()}, or when the buffer becomes unreachable).
 *
 * <p>Not thread-safe for concurrent writes to the same rows; disjoint rows may be written from different
 * threads (the kernels do).
 */
public final class NativeBuffer implements AutoCloseable {
    private final INDArray owner;
    private final FloatPointer pointer;
    private final FloatBuffer floats;
    private final int length;
    private final boolean owned;

    private NativeBuffer(INDArray owner, long length, boolean owned) {
        if (length > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("NativeBuffer: " + length + " floats is more than one buffer can address ("
                    + Integer.MAX_VALUE + ")");
        }
        this.owner = owner;
        this.length = (int) length;
        // addressPointer() already points at the array's first element (views included)
        this.pointer = new FloatPointer(owner.data().addressPointer()).position(0).limit(length).capacity(length);
        this.floats = pointer.asBuffer();
        this.owned = owned;
        if (floats == null || floats.capacity() < length || !floats.isDirect()) {
            throw new IllegalStateException("NativeBuffer: the ND4J backend " + Nd4j.getBackend().getClass().getSimpleName()
                    + " does not give host memory for a float array (the fast path needs the CPU backend)");
        }
    }

    /**
     * Throws unless ND4J runs on its CPU backend (nd4j-native): the fast path's kernels read and write host
     * memory directly, which on a GPU backend would bypass ND4J's device copies.
     */
    public static void requireCpuBackend() {
        String backend = Nd4j.getBackend().getClass().getName();
        if (!backend.toLowerCase(java.util.Locale.ROOT).contains("cpu")) {
            throw new IllegalStateException("the fast inference path needs ND4J's CPU backend (nd4j-native), but "
                    + backend + " is loaded; on a GPU use the modules (VisionTransformer.forward, TextTransformer.forward)");
        }
    }

    /** {@code length} uninitialised floats. */
    public static NativeBuffer allocate(long length) {
        requireCpuBackend();
        if (length <= 0) {
            throw new IllegalArgumentException("NativeBuffer: length must be positive, got " + length);
        }
        return new NativeBuffer(Nd4j.createUninitializedDetached(DataType.FLOAT, length), length, true);
    }

    /** A copy of {@code values}. */
    public static NativeBuffer copyOf(float[] values) {
        NativeBuffer b = allocate(values.length);
        b.put(0, values, 0, values.length);
        return b;
    }

    /**
     * A copy of {@code array} (any shape, layout or floating-point type), in row-major ('c') order. A
     * contiguous float array is copied native to native, without heap or ND4J temporaries (compiling a
     * large model must not leave a second copy of its weights as garbage).
     */
    public static NativeBuffer copyOf(INDArray array) {
        NativeBuffer src = viewOf(array);
        if (src == null) {
            return copyOf(toFloats(array));
        }
        NativeBuffer b = allocate(src.length());
        b.copyFrom(src, 0, 0, src.length());
        return b;
    }

    /**
     * The memory of {@code array} itself, without a copy, when it is a FLOAT array laid out row-major
     * and contiguous; otherwise null.
     */
    public static NativeBuffer viewOf(INDArray array) {
        requireCpuBackend();
        if (array == null || array.dataType() != DataType.FLOAT || array.length() == 0 || array.ordering() != 'c'
                || !Shape.hasDefaultStridesForShape(array) || array.data().dataType() != DataType.FLOAT) {
            return null;
        }
        return new NativeBuffer(array, array.length(), false);
    }

    /** The values of {@code array} as floats in row-major order (a heap copy). */
    public static float[] toFloats(INDArray array) {
        INDArray f = array.dataType() == DataType.FLOAT ? array : array.castTo(DataType.FLOAT);
        return f.dup('c').data().asFloat();
    }

    /** Number of floats. */
    public int length() {
        return length;
    }

    /** Copies {@code len} floats starting at {@code index} into {@code dst[off..]}. */
    public void get(int index, float[] dst, int off, int len) {
        floats.get(index, dst, off, len);
    }

    /** Copies {@code src[off..off+len)} to floats {@code index..}. */
    public void put(int index, float[] src, int off, int len) {
        floats.put(index, src, off, len);
    }

    /** One float. */
    public float get(int index) {
        return floats.get(index);
    }

    /** Sets one float. */
    public void put(int index, float v) {
        floats.put(index, v);
    }

    /** Copies {@code len} floats from {@code src} at {@code srcIndex} to this buffer at {@code index}. */
    public void copyFrom(NativeBuffer src, int srcIndex, int index, int len) {
        floats.put(index, src.floats, srcIndex, len);
    }

    /** Sets {@code len} floats from {@code index} to {@code v}. */
    public void fill(int index, int len, float v) {
        for (int i = 0; i < len; i++) {
            floats.put(index + i, v);
        }
    }

    /** The native address of float 0 (for BLAS calls; see {@link OpenBlasGemm}). */
    long address() {
        return pointer.address();
    }

    /**
     * A new ND4J array of {@code shape} holding a copy of floats {@code index..index + prod(shape)}: results
     * handed to callers are their own, never views of engine buffers that the next call overwrites.
     */
    public INDArray copyToArray(int index, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        if (index < 0 || n > length - (long) index) {
            throw new IllegalArgumentException("NativeBuffer.copyToArray: range [" + index + ", " + index + " + " + n
                    + ") is outside a buffer of " + length + " floats");
        }
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape);
        NativeBuffer dst = new NativeBuffer(out, n, false);
        dst.copyFrom(this, index, 0, (int) n);
        return out;
    }

    /** The ND4J array that owns this memory (flat, or the wrapped array). */
    public INDArray array() {
        return owner;
    }

    /** Whether this buffer allocated its memory (false for {@link #viewOf} wrappers). */
    public boolean owned() {
        return owned;
    }

    /** Frees the native memory now (only for buffers this class allocated; wrapped arrays are left alone). */
    @Override
    public void close() {
        if (owned && owner.closeable()) {
            owner.close();
        }
    }
}
