package dev.vitj.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.function.Function;

/**
 * A trainable tensor and the gradient accumulated for it by backward passes.
 *
 * <p>{@code decay} says whether weight decay applies: by convention (timm, open_clip) it does for
 * matrices and convolution kernels, and not for biases, norm gains, position and class embeddings.
 *
 * <p>A parameter of a module built with {@link Module#withDeferredInit} starts with a shape and a type but
 * no storage: its initial value is made on the first call of {@link #value()}, unless {@link #set} gives it
 * one first (a loader filling it from a weight file), so loading never pays for a random initialisation.
 */
public final class Parameter {
    private final long[] shape;
    private DataType dataType;
    private Function<long[], INDArray> init; // makes the initial value while none is allocated; null afterwards
    private volatile INDArray value; // null only while deferred
    private INDArray grad;
    private boolean decay;
    private boolean frozen;

    public Parameter(INDArray value, boolean decay) {
        this.value = value;
        this.shape = value.shape();
        this.dataType = value.dataType();
        this.decay = decay;
    }

    /** A float32 parameter of {@code shape} whose value {@code init} makes on first use. */
    Parameter(long[] shape, Function<long[], INDArray> init, boolean decay) {
        this.shape = shape.clone();
        this.dataType = DataType.FLOAT;
        this.init = init;
        this.decay = decay;
    }

    /** The current value (allocated and initialised now if it was deferred). */
    public INDArray value() {
        INDArray v = value;
        return v != null ? v : allocate();
    }

    private synchronized INDArray allocate() {
        if (value == null) {
            INDArray v = init.apply(shape.clone());
            if (!Arrays.equals(v.shape(), shape)) {
                throw new IllegalStateException("initialiser made shape " + Arrays.toString(v.shape())
                        + " for a parameter of shape " + Arrays.toString(shape));
            }
            value = v.dataType() == dataType ? v : v.castTo(dataType);
            init = null;
        }
        return value;
    }

    /** The shape (known without allocating the value). */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of elements, the product of the shape. */
    public long length() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** The element type (known without allocating the value). */
    public DataType dataType() {
        return dataType;
    }

    /** False while the value of a deferred parameter has not been made or set yet. */
    public boolean isAllocated() {
        return value != null;
    }

    /** Replaces the value (same shape required), e.g. when loading weights. */
    public synchronized void set(INDArray v) {
        if (!Arrays.equals(v.shape(), shape)) {
            throw new IllegalArgumentException("shape " + Arrays.toString(v.shape()) + " does not match parameter shape "
                    + Arrays.toString(shape));
        }
        this.value = v.dataType() == dataType ? v : v.castTo(dataType);
        this.init = null;
        this.grad = null;
    }

    /** Converts the value to {@code type}; a deferred value will be made in that type. */
    synchronized void convertTo(DataType type) {
        if (type == dataType) {
            return;
        }
        if (value != null) {
            value = value.castTo(type);
        }
        dataType = type;
        grad = null;
    }

    /** The accumulated gradient, allocated as zeros on first use. */
    public INDArray grad() {
        if (grad == null) {
            grad = value().ulike().assign(0);
        }
        return grad;
    }

    /** True once a backward pass has touched this parameter since the last {@link #zeroGrad()}. */
    public boolean hasGrad() {
        return grad != null;
    }

    /** Adds {@code g} to the gradient. Frozen parameters ignore it. */
    public void accumulate(INDArray g) {
        if (frozen) {
            return;
        }
        if (grad == null) {
            grad = g.dup(value().ordering()).reshape(shape).castTo(dataType);
        } else {
            grad.addi(g.reshape(shape));
        }
    }

    /** Drops the gradient. */
    public void zeroGrad() {
        grad = null;
    }

    /** Whether weight decay applies to this parameter. */
    public boolean decay() {
        return decay;
    }

    /** Sets whether weight decay applies. */
    public void setDecay(boolean decay) {
        this.decay = decay;
    }

    /** A frozen parameter takes no gradient and is skipped by optimisers (fine-tuning). */
    public boolean frozen() {
        return frozen;
    }

    /** Freezes or unfreezes. */
    public void setFrozen(boolean frozen) {
        this.frozen = frozen;
        if (frozen) {
            grad = null;
        }
    }
}
