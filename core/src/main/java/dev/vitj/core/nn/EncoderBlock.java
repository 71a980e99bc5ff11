package dev.vitj.core.nn;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One pre-norm transformer encoder block (timm {@code Block}, open_clip {@code ResidualAttentionBlock}):
 * <pre>
 *   x = x + drop_path1(ls1(attn(norm1(x))))
 *   x = x + drop_path2(ls2(mlp(norm2(x))))
 * </pre>
 * where {@code ls1}/{@code ls2} are {@link LayerScale}s when a layer-scale init is given and the identity
 * otherwise, and {@code drop_path1}/{@code drop_path2} are {@link DropPath}s (stochastic depth), the
 * identity at inference. Input and output are {@code [B, N, D]}.
 */
public final class EncoderBlock extends Module implements Layer {
    /**
     * Result of {@link #forward(INDArray, INDArray, boolean)}.
     *
     * @param out   the block output {@code [B, N, D]}
     * @param probs this block's attention probabilities {@code [B, heads, N, N]}, or null when not requested
     */
    public record Output(INDArray out, INDArray probs) {}

    /**
     * The block's regularisation, timm's {@code Block(proj_drop, attn_drop, drop_path)}; all active in
     * training mode only.
     *
     * @param proj dropout after the attention projection and in the MLP (after the activation and after
     *             {@code fc2}), in [0, 1)
     * @param attn dropout on the attention probabilities, in [0, 1)
     * @param path stochastic-depth probability of both residual branches, in [0, 1)
     */
    public record Drop(double proj, double attn, double path) {
        /** No regularisation. */
        public static final Drop NONE = new Drop(0, 0, 0);

        public Drop {
            check("proj", proj);
            check("attn", attn);
            check("path", path);
        }

        private static void check(String name, double p) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("EncoderBlock.Drop: " + name + " must be in [0, 1), got " + p);
            }
        }
    }

    private final int dim;
    private final LayerNorm norm1;
    private final MultiHeadAttention attn;
    private final LayerScale ls1;
    private final DropPath dropPath1;
    private final LayerNorm norm2;
    private final Mlp mlp;
    private final LayerScale ls2;
    private final DropPath dropPath2;
    private long[] cachedShape; // training: shape of the latest input, set when the children hold their caches

    /**
     * @param dim            model width D
     * @param numHeads       attention heads (D must be a multiple)
     * @param mlpRatio       MLP hidden width / D (hidden = {@code (int) (dim * mlpRatio)}, as timm)
     * @param qkvBias        whether the qkv projection has a bias
     * @param act            MLP activation (the block uses its own instance)
     * @param normEps        LayerNorm epsilon (timm 1e-6, open_clip 1e-5)
     * @param layerScaleInit initial LayerScale value, or null for no layer scale
     */
    public EncoderBlock(int dim, int numHeads, double mlpRatio, boolean qkvBias, Activation act, double normEps,
                        Double layerScaleInit) {
        this(dim, numHeads, mlpRatio, qkvBias, act, normEps, layerScaleInit, Drop.NONE, new RandomSource(0));
    }

    /**
     * A block with dropout and stochastic depth (training mode only).
     *
     * @param drop   the drop rates
     * @param random the source of all masks (shared with the rest of the model)
     */
    public EncoderBlock(int dim, int numHeads, double mlpRatio, boolean qkvBias, Activation act, double normEps,
                        Double layerScaleInit, Drop drop, RandomSource random) {
        if (drop == null) {
            throw new IllegalArgumentException("EncoderBlock: drop rates are null (use Drop.NONE)");
        }
        int hidden = (int) (dim * mlpRatio);
        if (!(mlpRatio > 0) || hidden <= 0) {
            throw new IllegalArgumentException("EncoderBlock: mlpRatio must give a positive hidden width, got mlpRatio="
                    + mlpRatio + " for dim " + dim);
        }
        this.dim = dim;
        this.norm1 = child("norm1", new LayerNorm(dim, normEps));
        this.attn = child("attn", new MultiHeadAttention(dim, numHeads, qkvBias, drop.attn(), drop.proj(), random));
        this.ls1 = layerScaleInit == null ? null : child("ls1", new LayerScale(dim, layerScaleInit));
        this.dropPath1 = child("drop_path1", new DropPath(drop.path(), random));
        this.norm2 = child("norm2", new LayerNorm(dim, normEps));
        this.mlp = child("mlp", new Mlp(dim, hidden, act, drop.proj(), random));
        this.ls2 = layerScaleInit == null ? null : child("ls2", new LayerScale(dim, layerScaleInit));
        this.dropPath2 = child("drop_path2", new DropPath(drop.path(), random));
    }

    /** Model width D. */
    public int dim() {
        return dim;
    }

    /** The LayerNorm before attention. */
    public LayerNorm norm1() {
        return norm1;
    }

    /** The attention. */
    public MultiHeadAttention attn() {
        return attn;
    }

    /** The LayerNorm before the MLP. */
    public LayerNorm norm2() {
        return norm2;
    }

    /** The MLP. */
    public Mlp mlp() {
        return mlp;
    }

    /** The layer scale of the attention branch, or null. */
    public LayerScale ls1() {
        return ls1;
    }

    /** The layer scale of the MLP branch, or null. */
    public LayerScale ls2() {
        return ls2;
    }

    /** Stochastic depth of the attention branch. */
    public DropPath dropPath1() {
        return dropPath1;
    }

    /** Stochastic depth of the MLP branch. */
    public DropPath dropPath2() {
        return dropPath2;
    }

    @Override
    public INDArray forward(INDArray x) {
        return forward(x, null, false, null).out();
    }

    /**
     * The block with an optional additive attention mask ({@code [N, N]}, see
     * {@link MultiHeadAttention#causalMask}), optionally returning the attention probabilities.
     */
    public Output forward(INDArray x, INDArray additiveMask, boolean returnProbs) {
        return forward(x, additiveMask, returnProbs, null);
    }

    /**
     * As {@link #forward(INDArray, INDArray, boolean)}, handing the intermediates to {@code trace} when it is
     * not null: {@code norm1}, {@code attn.qkv}, {@code attn.probs}, {@code attn.out} (before ls1),
     * {@code norm2}, {@code mlp.act}, {@code mlp.out} (before ls2) and {@code out}. At inference without a
     * trace every intermediate is freed as soon as it is dead, not left to the garbage collector.
     */
    public Output forward(INDArray x, INDArray additiveMask, boolean returnProbs, Trace trace) {
        if (x == null || x.rank() != 3 || x.size(2) != dim) {
            throw new IllegalArgumentException("EncoderBlock(dim=" + dim + "): input shape "
                    + (x == null ? "null" : Checks.shape(x)) + ", expected [B, N, " + dim + "]");
        }
        boolean free = !isTraining() && trace == null; // training keeps them for backward, a trace hands them out
        INDArray input = x;
        x = Checks.as(x, norm1.weight().value().dataType());
        INDArray h = norm1.forward(x);
        MultiHeadAttention.Output a = attn.forward(h, additiveMask, returnProbs,
                trace == null ? null : trace.prefixed("attn."));
        INDArray attnOut = a.out();
        INDArray branch1 = dropPath1.forward(ls1 == null ? attnOut : ls1.forward(attnOut));
        INDArray x1 = x.add(branch1);
        if (free) {
            Checks.release(h, attnOut, branch1, x == input ? null : x); // x: a type-converted copy of the input
        }
        INDArray h2 = norm2.forward(x1);
        INDArray mlpOut = mlp.forward(h2, trace == null ? null : trace.prefixed("mlp."));
        INDArray branch2 = dropPath2.forward(ls2 == null ? mlpOut : ls2.forward(mlpOut));
        // x1 is ours and not cached by anyone
        INDArray out = x1.addi(branch2);
        if (free) {
            Checks.release(h2, mlpOut, branch2);
        }
        cachedShape = isTraining() ? x.shape() : null;
        if (trace != null) {
            trace.record("norm1", h);
            trace.record("norm2", h2);
            trace.record("out", out);
        }
        return new Output(out, a.probs());
    }

    @Override
    public INDArray backward(INDArray gradOut) {
        long[] shape = Checks.cached(cachedShape, "EncoderBlock");
        Checks.sameShape("EncoderBlock", gradOut, shape);
        cachedShape = null;
        gradOut = Checks.as(gradOut, norm1.weight().value().dataType());
        // second residual: d/dx1 = g + norm2ᵀ(mlpᵀ(ls2ᵀ(drop_path2ᵀ g)))
        INDArray gBranch2 = dropPath2.backward(gradOut);
        INDArray gMlp = ls2 == null ? gBranch2 : ls2.backward(gBranch2);
        INDArray gx1 = norm2.backward(mlp.backward(gMlp)).addi(gradOut);
        // first residual: d/dx = gx1 + norm1ᵀ(attnᵀ(ls1ᵀ(drop_path1ᵀ gx1)))
        INDArray gBranch1 = dropPath1.backward(gx1);
        INDArray gAttn = ls1 == null ? gBranch1 : ls1.backward(gBranch1);
        return norm1.backward(attn.backward(gAttn)).addi(gx1);
    }

    @Override
    protected void clearCache() {
        cachedShape = null;
    }
}
