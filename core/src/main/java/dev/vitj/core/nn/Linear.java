package dev.vitj.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fully connected layer {@code y = x Wᵀ + b} applied to the last dimension of any input
 * {@code [..., in] -> [..., out]}. The weight is stored {@code [out, in]} as in PyTorch checkpoints; the
 * product uses the GEMM transpose flag instead of materialising {@code Wᵀ}.
 */
public final class Linear extends Module implements Layer {
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    // training cache: the input as a [rows, in] matrix and its original shape
    private INDArray cachedX;
    private long[] cachedShape;

    /**
     * @param in   input features
     * @param out  output features
     * @param bias whether to add a bias
     */
    public Linear(int in, int out, boolean bias) {
        if (in <= 0 || out <= 0) {
            throw new IllegalArgumentException("Linear: in and out must be positive, got in=" + in + ", out=" + out);
        }
        this.in = in;
        this.out = out;
        // PyTorch's default: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias; checkpoints overwrite it.
        double bound = 1.0 / Math.sqrt(in);
        this.weight = parameter("weight", new long[] {out, in}, shape -> uniform(bound, shape), true); // [out, in]
        this.bias = bias ? parameter("bias", new long[] {out}, shape -> uniform(bound, shape), false) : null; // [out]
    }

    static INDArray uniform(double bound, long... shape) {
        return Nd4j.rand(DataType.FLOAT, shape).muli(2 * bound).subi(bound);
    }

    /** Input features. */
    public int inFeatures() {
        return in;
    }

    /** Output features. */
    public int outFeatures() {
        return out;
    }

    /** The weight {@code [out, in]}. */
    public Parameter weight() {
        return weight;
    }

    /** The bias {@code [out]}, or null when the layer has none. */
    public Parameter bias() {
        return bias;
    }

    @Override
    public INDArray forward(INDArray x) {
        Checks.lastDim("Linear(" + in + "->" + out + ")", x, in, "[..., " + in + "]");
        INDArray w = weight.value();
        INDArray x2 = Checks.rows(Checks.as(x, w.dataType())); // [M, in]
        INDArray y = Nd4j.gemm(x2, w, false, true); // [M, out]
        if (bias != null) {
            y.addiRowVector(bias.value());
        }
        long[] outShape = x.shape().clone();
        outShape[outShape.length - 1] = out;
        if (isTraining()) {
            cachedX = x2;
            cachedShape = x.shape();
        } else {
            cachedX = null;
        }
        return y.reshape('c', outShape);
    }

    @Override
    public INDArray backward(INDArray gradOut) {
        INDArray x2 = Checks.cached(cachedX, "Linear");
        long[] outShape = cachedShape.clone();
        outShape[outShape.length - 1] = out;
        Checks.sameShape("Linear", gradOut, outShape);
        cachedX = null;
        INDArray w = weight.value();
        INDArray g = Checks.rows(Checks.as(gradOut, w.dataType())); // [M, out]
        if (!weight.frozen()) {
            weight.accumulate(Nd4j.gemm(g, x2, true, false)); // [out, in] = gᵀ x
        }
        if (bias != null && !bias.frozen()) {
            bias.accumulate(g.sum(0)); // [out]
        }
        return Nd4j.gemm(g, w, false, false).reshape('c', cachedShape); // [M, in] = g W
    }

    @Override
    protected void clearCache() {
        cachedX = null;
    }
}
