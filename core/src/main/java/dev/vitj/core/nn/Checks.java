package dev.vitj.core.nn;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/** Argument and state checks shared by the layers, so every message says the same thing the same way. */
final class Checks {
    private Checks() {}

    /** A shape as {@code [2, 7, 32]}. */
    static String shape(INDArray a) {
        return Arrays.toString(a.shape());
    }

    /** Throws unless {@code x} has rank {@code rank} and last dimension {@code last}. */
    static void lastDim(String who, INDArray x, long last, String expected) {
        if (x == null) {
            throw new IllegalArgumentException(who + ": input is null, expected shape " + expected);
        }
        if (x.rank() < 1 || x.size(-1) != last) {
            throw new IllegalArgumentException(who + ": input shape " + shape(x) + ", expected " + expected);
        }
    }

    /** Throws unless {@code g} has exactly {@code shape} (the shape of the last forward output). */
    static void sameShape(String who, INDArray g, long[] shape) {
        if (g == null) {
            throw new IllegalArgumentException(who + ".backward: gradOut is null, expected shape " + Arrays.toString(shape));
        }
        if (!Arrays.equals(g.shape(), shape)) {
            throw new IllegalArgumentException(who + ".backward: gradOut shape " + shape(g) + ", expected "
                    + Arrays.toString(shape) + " (the shape of the last forward output)");
        }
    }

    /** The cached value, or a clear error when there was no training-mode forward pass to back-propagate. */
    static <T> T cached(T cache, String who) {
        if (cache == null) {
            throw new IllegalStateException(who + ".backward: nothing cached; call train(true) and run forward "
                    + "first (each forward pass supports one backward pass)");
        }
        return cache;
    }

    /** {@code x} in type {@code t} (no copy when it already is). */
    static INDArray as(INDArray x, DataType t) {
        return x.dataType() == t ? x : x.castTo(t);
    }

    /**
     * Frees the native memory of temporaries now instead of at garbage collection (inference would otherwise
     * pile up large buffers such as attention scores). Only pass arrays this layer created and that nothing
     * else references, nor any other view of their memory. A view that spans its whole buffer (the reshaped
     * outputs of {@link Linear}, {@link LayerNorm}, {@link LayerScale}, which ND4J will not close) frees that
     * buffer; partial views are skipped.
     */
    static void release(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a == null) {
                continue;
            }
            if (a.closeable()) {
                a.close();
                continue;
            }
            DataBuffer whole = root(a);
            if (a.isView() && a.offset() == 0 && a.length() == whole.length() && whole.closeable()) {
                whole.close();
            }
        }
    }

    /**
     * {@link #release Frees} {@code dead} unless {@code survivor} uses the same memory (it may be {@code dead}
     * itself, a reshape of it or an in-place result), for steps that may or may not copy.
     */
    static void releaseUnlessShared(INDArray dead, INDArray survivor) {
        if (dead != null && (survivor == null || root(dead) != root(survivor))) {
            release(dead);
        }
    }

    /** The buffer that owns an array's memory (a view's data is a wrapper around it). */
    private static DataBuffer root(INDArray a) {
        DataBuffer d = a.data();
        while (d.underlyingDataBuffer() != null && d.underlyingDataBuffer() != d) {
            d = d.underlyingDataBuffer();
        }
        return d;
    }

    /** {@code x} as a row-major [rows, last] matrix (a view when the layout allows). */
    static INDArray rows(INDArray x) {
        long last = x.size(-1);
        return x.reshape('c', x.length() / last, last);
    }
}
