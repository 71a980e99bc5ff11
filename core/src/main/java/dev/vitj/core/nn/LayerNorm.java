package dev.vitj.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalisation over the last dimension (Ba et al. 2016):
 * {@code y = (x - mean) / sqrt(var + eps) * weight + bias}, with the population variance (divide by
 * {@code dim}) and {@code eps} inside the square root, as {@code torch.nn.LayerNorm}. timm ViTs use
 * {@code eps = 1e-6}, open_clip {@code 1e-5}.
 */
public final class LayerNorm extends Module implements Layer {
    private final int dim;
    private final double eps;
    private final Parameter weight;
    private final Parameter bias;

    // training cache: normalised input x̂ [M, dim] and 1/sqrt(var + eps) [M, 1]
    private INDArray cachedXhat;
    private INDArray cachedRstd;
    private long[] cachedShape;

    /**
     * @param dim size of the normalised (last) dimension
     * @param eps added to the variance inside the square root
     */
    public LayerNorm(int dim, double eps) {
        if (dim <= 0 || !(eps >= 0)) {
            throw new IllegalArgumentException("LayerNorm: dim must be positive and eps >= 0, got dim=" + dim + ", eps=" + eps);
        }
        this.dim = dim;
        this.eps = eps;
        this.weight = parameter("weight", new long[] {dim}, shape -> Nd4j.ones(DataType.FLOAT, shape), false); // [dim]
        this.bias = parameter("bias", new long[] {dim}, shape -> Nd4j.zeros(DataType.FLOAT, shape), false); // [dim]
    }

    /** Normalised dimension. */
    public int dim() {
        return dim;
    }

    /** Epsilon inside the square root. */
    public double eps() {
        return eps;
    }

    /** The gain {@code [dim]}. */
    public Parameter weight() {
        return weight;
    }

    /** The shift {@code [dim]}. */
    public Parameter bias() {
        return bias;
    }

    @Override
    public INDArray forward(INDArray x) {
        Checks.lastDim("LayerNorm(" + dim + ")", x, dim, "[..., " + dim + "]");
        INDArray x2 = Checks.rows(Checks.as(x, weight.value().dataType())); // [M, dim]
        INDArray centred = x2.sub(x2.mean(true, 1)); // [M, dim]
        INDArray squares = centred.mul(centred); // [M, dim]
        INDArray var = squares.mean(true, 1); // [M, 1], population variance
        Checks.release(squares);
        INDArray rstd = Transforms.pow(var.addi(eps), -0.5, false); // [M, 1]
        INDArray xhat = centred.muli(rstd);
        INDArray y = xhat.mulRowVector(weight.value()).addiRowVector(bias.value());
        if (isTraining()) {
            cachedXhat = xhat;
            cachedRstd = rstd;
            cachedShape = x.shape();
        } else {
            cachedXhat = null;
            cachedRstd = null;
            Checks.release(xhat);
        }
        return y.reshape('c', x.shape());
    }

    /**
     * With {@code ĝ = gradOut · weight}: {@code dx = rstd · (ĝ - mean(ĝ) - x̂ · mean(ĝ · x̂))},
     * {@code dweight = Σ gradOut · x̂}, {@code dbias = Σ gradOut} (sums over all rows).
     */
    @Override
    public INDArray backward(INDArray gradOut) {
        INDArray xhat = Checks.cached(cachedXhat, "LayerNorm");
        INDArray rstd = cachedRstd;
        Checks.sameShape("LayerNorm", gradOut, cachedShape);
        cachedXhat = null;
        cachedRstd = null;
        INDArray g = Checks.rows(Checks.as(gradOut, xhat.dataType())); // [M, dim]
        if (!weight.frozen()) {
            weight.accumulate(g.mul(xhat).sum(0));
        }
        if (!bias.frozen()) {
            bias.accumulate(g.sum(0));
        }
        INDArray gh = g.mulRowVector(weight.value()); // [M, dim]
        INDArray meanGh = gh.mean(true, 1); // [M, 1]
        INDArray meanGhXhat = gh.mul(xhat).mean(true, 1); // [M, 1]
        INDArray dx = gh.subi(meanGh).subi(xhat.mul(meanGhXhat)).muli(rstd);
        return dx.reshape('c', cachedShape);
    }

    @Override
    protected void clearCache() {
        cachedXhat = null;
        cachedRstd = null;
    }
}
