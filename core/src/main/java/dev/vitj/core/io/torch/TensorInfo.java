package dev.vitj.core.io.torch;

import dev.vitj.core.io.Dtype;

import java.util.Arrays;

/**
 * Where one tensor of a PyTorch checkpoint lives: a strided view of a storage. Element
 * {@code [i0, i1, ...]} is storage element {@code storageOffset + i0*stride[0] + i1*stride[1] + ...}.
 *
 * @param name          the state-dict key, e.g. {@code visual.conv1.weight}
 * @param dtype         the element type (that of its storage)
 * @param shape         the tensor's size; empty for a 0-dim scalar
 * @param stride        elements to step per index in each dimension
 * @param storageOffset index of element [0, ...] in the storage
 * @param storageKey    the storage's key (zip entry {@code FOLDER/data/KEY})
 */
public record TensorInfo(String name, Dtype dtype, long[] shape, long[] stride, long storageOffset, String storageKey) {
    /** Immutable: shape and stride are copied in and out. */
    public TensorInfo {
        shape = shape.clone();
        stride = stride.clone();
    }

    /** The tensor's size (a new array). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** Elements to step per index in each dimension (a new array). */
    @Override
    public long[] stride() {
        return stride.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && Arrays.equals(stride, t.stride) && storageOffset == t.storageOffset && storageKey.equals(t.storageKey);
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + storageKey.hashCode();
    }

    /** Number of elements (1 for a scalar, 0 when any dimension is 0). */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n *= d; // validated not to overflow when the checkpoint was opened
        }
        return n;
    }

    /** True when the elements are one dense row-major run of the storage (dimensions of size 1 do not count). */
    public boolean isContiguous() {
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape)
                + (isContiguous() ? "" : " stride " + Arrays.toString(stride))
                + " @ storage '" + storageKey + "'+" + storageOffset;
    }
}
