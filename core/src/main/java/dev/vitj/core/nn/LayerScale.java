package dev.vitj.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-channel scaling of a residual branch, {@code y = x · gamma} over the last dimension (CaiT,
 * Touvron et al. 2021), with {@code gamma} initialised to a small constant.
 */
public final class LayerScale extends Module implements Layer {
    private final int dim;
    private final Parameter gamma;
    private INDArray cachedX; // training cache: the input as [M, dim]
    private long[] cachedShape;

    /**
     * @param dim  channels (last dimension)
     * @param init initial value of every gamma entry (e.g. 1e-5)
     */
    public LayerScale(int dim, double init) {
        if (dim <= 0) {
            throw new IllegalArgumentException("LayerScale: dim must be positive, got " + dim);
        }
        this.dim = dim;
        this.gamma = parameter("gamma", new long[] {dim}, shape -> Nd4j.valueArrayOf(shape, init, DataType.FLOAT),
                false); // [dim]
    }

    /** The scale {@code [dim]}. */
    public Parameter gamma() {
        return gamma;
    }

    @Override
    public INDArray forward(INDArray x) {
        Checks.lastDim("LayerScale(" + dim + ")", x, dim, "[..., " + dim + "]");
        INDArray x2 = Checks.rows(Checks.as(x, gamma.value().dataType()));
        if (isTraining()) {
            cachedX = x2;
            cachedShape = x.shape();
        } else {
            cachedX = null;
        }
        return x2.mulRowVector(gamma.value()).reshape('c', x.shape());
    }

    @Override
    public INDArray backward(INDArray gradOut) {
        INDArray x2 = Checks.cached(cachedX, "LayerScale");
        Checks.sameShape("LayerScale", gradOut, cachedShape);
        cachedX = null;
        INDArray g = Checks.rows(Checks.as(gradOut, x2.dataType()));
        if (!gamma.frozen()) {
            gamma.accumulate(g.mul(x2).sum(0));
        }
        return g.mulRowVector(gamma.value()).reshape('c', cachedShape);
    }

    @Override
    protected void clearCache() {
        cachedX = null;
    }
}
