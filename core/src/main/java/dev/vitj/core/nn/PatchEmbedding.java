package dev.vitj.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Cuts an image into non-overlapping {@code p×p} patches and projects each to a D-dimensional token
 * (Dosovitskiy et al. 2020). This is a Conv2d with kernel = stride = p, computed as a patch unfold
 * (reshape/permute) and one matrix product:
 * {@code [B, C, H, W] -> [B, gh·gw, C·p·p] · W[D, C·p·p]ᵀ + b -> [B, gh·gw, D]}, tokens in row-major patch
 * order ({@code index = row · gw + col}). Parameters are named like timm's {@code PatchEmbed}:
 * {@code proj.weight [D, C, p, p]} and {@code proj.bias [D]}.
 */
public final class PatchEmbedding extends Module implements Layer {
    /** The convolution's parameters, a child named {@code proj} so the full names match checkpoints. */
    public static final class Projection extends Module {
        private final Parameter weight;
        private final Parameter bias;

        Projection(int inChans, int patchSize, int dim, boolean bias) {
            // PyTorch's Conv2d default: U(-1/sqrt(fan_in), 1/sqrt(fan_in)); checkpoints overwrite it
            double bound = 1.0 / Math.sqrt((double) inChans * patchSize * patchSize);
            this.weight = parameter("weight", new long[] {dim, inChans, patchSize, patchSize},
                    shape -> Linear.uniform(bound, shape), true); // [D, C, p, p]
            this.bias = bias ? parameter("bias", new long[] {dim}, shape -> Linear.uniform(bound, shape), false) : null; // [D]
        }

        /** The kernel {@code [D, C, p, p]}. */
        public Parameter weight() {
            return weight;
        }

        /** The bias {@code [D]}, or null. */
        public Parameter bias() {
            return bias;
        }
    }

    private final int inChans;
    private final int patchSize;
    private final int dim;
    private final Projection proj;

    private INDArray cachedPatches; // training cache: [B·L, C·p·p]
    private long[] cachedShape; // the input shape [B, C, H, W]

    /**
     * @param inChans   input channels C
     * @param patchSize patch side p (kernel and stride)
     * @param dim       token width D
     * @param bias      whether the projection has a bias
     */
    public PatchEmbedding(int inChans, int patchSize, int dim, boolean bias) {
        if (inChans <= 0 || patchSize <= 0 || dim <= 0) {
            throw new IllegalArgumentException("PatchEmbedding: inChans, patchSize and dim must be positive, got "
                    + inChans + ", " + patchSize + ", " + dim);
        }
        this.inChans = inChans;
        this.patchSize = patchSize;
        this.dim = dim;
        this.proj = child("proj", new Projection(inChans, patchSize, dim, bias));
    }

    /** Patch side p. */
    public int patchSize() {
        return patchSize;
    }

    /** Input channels C. */
    public int inChans() {
        return inChans;
    }

    /** Token width D. */
    public int dim() {
        return dim;
    }

    /** The projection's parameters. */
    public Projection proj() {
        return proj;
    }

    @Override
    public INDArray forward(INDArray x) {
        String who = "PatchEmbedding(C=" + inChans + ", p=" + patchSize + ", D=" + dim + ")";
        if (x == null || x.rank() != 4 || x.size(1) != inChans) {
            throw new IllegalArgumentException(who + ": input shape " + (x == null ? "null" : Checks.shape(x))
                    + ", expected [B, " + inChans + ", H, W]");
        }
        long b = x.size(0);
        long h = x.size(2);
        long w = x.size(3);
        int p = patchSize;
        if (h % p != 0 || w % p != 0 || h == 0 || w == 0) {
            throw new IllegalArgumentException(who + ": input shape " + Checks.shape(x) + ": H and W must be positive "
                    + "multiples of the patch size " + p);
        }
        long gh = h / p;
        long gw = w / p;
        INDArray kernel = proj.weight.value();
        // [B, C, gh, p, gw, p] -> [B, gh, gw, C, p, p]: one row per patch, features in the kernel's (C, p, p) order
        INDArray patches = Checks.as(x, kernel.dataType()).reshape('c', b, inChans, gh, p, gw, p)
                .permute(0, 2, 4, 1, 3, 5).dup('c').reshape('c', b * gh * gw, (long) inChans * p * p);
        INDArray y = Nd4j.gemm(patches, kernel.reshape('c', dim, (long) inChans * p * p), false, true); // [B·L, D]
        if (proj.bias != null) {
            y.addiRowVector(proj.bias.value());
        }
        if (isTraining()) {
            cachedPatches = patches;
            cachedShape = x.shape();
        } else {
            cachedPatches = null;
        }
        return y.reshape('c', b, gh * gw, dim);
    }

    @Override
    public INDArray backward(INDArray gradOut) {
        INDArray patches = Checks.cached(cachedPatches, "PatchEmbedding");
        long[] s = cachedShape;
        int p = patchSize;
        long gh = s[2] / p;
        long gw = s[3] / p;
        Checks.sameShape("PatchEmbedding", gradOut, new long[] {s[0], gh * gw, dim});
        cachedPatches = null;
        INDArray kernel = proj.weight.value();
        INDArray g = Checks.as(gradOut, kernel.dataType()).reshape('c', s[0] * gh * gw, dim); // [B·L, D]
        if (!proj.weight.frozen()) {
            proj.weight.accumulate(Nd4j.gemm(g, patches, true, false).reshape('c', kernel.shape())); // [D, C·p·p]
        }
        if (proj.bias != null && !proj.bias.frozen()) {
            proj.bias.accumulate(g.sum(0));
        }
        INDArray dPatches = Nd4j.gemm(g, kernel.reshape('c', dim, (long) inChans * p * p), false, false); // [B·L, C·p·p]
        // fold back: [B, gh, gw, C, p, p] -> [B, C, gh, p, gw, p] -> [B, C, H, W]
        return dPatches.reshape('c', s[0], gh, gw, inChans, p, p).permute(0, 3, 1, 4, 2, 5).dup('c').reshape('c', s);
    }

    @Override
    protected void clearCache() {
        cachedPatches = null;
    }
}
