package dev.vitj.core.nn;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Multi-head self-attention (Vaswani et al. 2017) in timm's layout. One linear layer {@code qkv} makes
 * queries, keys and values, {@code [B, N, D] -> [B, N, 3D]}, with columns ordered {@code [q | k | v]} and,
 * inside each, head {@code h} owning columns {@code h·hd .. (h+1)·hd - 1} ({@code hd = D / heads}). Per head,
 * {@code probs = softmax((q · hd^-½) kᵀ + mask)} and {@code ctx = probs · v}; the heads are concatenated
 * back along features in head order and mixed by the linear layer {@code proj}.
 *
 * <p>All heads of all batch items are computed together by batched matrix products over
 * {@code [B·heads, N, hd]}.
 *
 * <p>Regularisation as timm's {@code Attention}, active only in training mode: {@code attn_drop}, a
 * {@link Dropout} on the probabilities (so {@code ctx = drop(probs) · v}), and {@code proj_drop}, a
 * {@link Dropout} on the output of {@code proj}.
 */
public final class MultiHeadAttention extends Module implements Layer {
    /**
     * Result of {@link #forward(INDArray, INDArray, boolean)}.
     *
     * @param out   the attention output {@code [B, N, D]} (after {@code proj})
     * @param probs the attention probabilities {@code [B, heads, N(query), N(key)]}, rows summing to 1, or
     *              null when not requested
     */
    public record Output(INDArray out, INDArray probs) {}

    private final int dim;
    private final int numHeads;
    private final int headDim;
    private final double scale;
    private final Linear qkv;
    private final Dropout attnDrop;
    private final Linear proj;
    private final Dropout projDrop;

    private Cache cache; // training cache of the latest forward pass

    /**
     * What backward needs; q is already scaled. [B·heads, N, hd] for q/k/v, [B·heads, N, N] for probs and for
     * the probabilities after attention dropout (the same array when nothing was dropped).
     */
    private record Cache(INDArray q, INDArray k, INDArray v, INDArray probs, INDArray dropped, long batch, long tokens) {}

    /**
     * @param dim      model width D (a multiple of numHeads)
     * @param numHeads number of heads
     * @param qkvBias  whether {@code qkv} has a bias ({@code proj} always has one)
     */
    public MultiHeadAttention(int dim, int numHeads, boolean qkvBias) {
        this(dim, numHeads, qkvBias, 0, 0, new RandomSource(0));
    }

    /**
     * Attention with dropout (timm's {@code attn_drop} and {@code proj_drop}), active in training mode only.
     *
     * @param attnDrop drop probability on the attention probabilities, in [0, 1)
     * @param projDrop drop probability on the output, in [0, 1)
     * @param random   the source of the dropout masks (shared with the rest of the model)
     */
    public MultiHeadAttention(int dim, int numHeads, boolean qkvBias, double attnDrop, double projDrop,
                              RandomSource random) {
        if (dim <= 0 || numHeads <= 0 || dim % numHeads != 0) {
            throw new IllegalArgumentException("MultiHeadAttention: dim must be a positive multiple of numHeads, got dim="
                    + dim + ", numHeads=" + numHeads);
        }
        this.dim = dim;
        this.numHeads = numHeads;
        this.headDim = dim / numHeads;
        this.scale = 1.0 / Math.sqrt(headDim);
        this.qkv = child("qkv", new Linear(dim, 3 * dim, qkvBias));
        this.attnDrop = child("attn_drop", new Dropout(attnDrop, random));
        this.proj = child("proj", new Linear(dim, dim, true));
        this.projDrop = child("proj_drop", new Dropout(projDrop, random));
    }

    /** Model width D. */
    public int dim() {
        return dim;
    }

    /** Number of heads. */
    public int numHeads() {
        return numHeads;
    }

    /** Width of one head, D / heads. */
    public int headDim() {
        return headDim;
    }

    /** The factor {@code headDim^-½} applied to the queries. */
    public double scale() {
        return scale;
    }

    /** The query/key/value projection {@code D -> 3D}. */
    public Linear qkv() {
        return qkv;
    }

    /** The output projection {@code D -> D}. */
    public Linear proj() {
        return proj;
    }

    /** Dropout on the attention probabilities (timm {@code attn_drop}). */
    public Dropout attnDrop() {
        return attnDrop;
    }

    /** Dropout on the output (timm {@code proj_drop}). */
    public Dropout projDrop() {
        return projDrop;
    }

    /** Unmasked attention, {@code [B, N, D] -> [B, N, D]}. */
    @Override
    public INDArray forward(INDArray x) {
        return forward(x, null, false, null).out();
    }

    /**
     * Attention with an optional additive mask.
     *
     * @param x            input {@code [B, N, D]}
     * @param additiveMask null, or {@code [N, N]} (query, key) added to the scores of every batch item and
     *                     head; {@code -∞} entries give probability exactly 0 (see {@link #causalMask})
     * @param returnProbs  whether to return the probabilities (the same ones used for the output; in training
     *                     mode with attention dropout, the probabilities before dropout)
     */
    public Output forward(INDArray x, INDArray additiveMask, boolean returnProbs) {
        return forward(x, additiveMask, returnProbs, null);
    }

    /**
     * As {@link #forward(INDArray, INDArray, boolean)}, also handing {@code qkv} ({@code [B, N, 3D]}),
     * {@code probs} ({@code [B, heads, N, N]}) and {@code out} to {@code trace} when it is not null.
     */
    public Output forward(INDArray x, INDArray additiveMask, boolean returnProbs, Trace trace) {
        String who = "MultiHeadAttention(dim=" + dim + ", heads=" + numHeads + ")";
        if (x == null || x.rank() != 3 || x.size(2) != dim) {
            throw new IllegalArgumentException(who + ": input shape " + (x == null ? "null" : Checks.shape(x))
                    + ", expected [B, N, " + dim + "]");
        }
        long b = x.size(0);
        long n = x.size(1);
        INDArray qkvOut = qkv.forward(x); // [B, N, 3D]
        DataType type = qkvOut.dataType();
        // [B, N, 3, H, hd] -> [3, B, H, N, hd], made contiguous so q, k, v are [B·H, N, hd] slices
        INDArray headsBuf = qkvOut.reshape('c', b, n, 3, numHeads, headDim).permute(2, 0, 3, 1, 4).dup('c');
        if (trace == null) {
            Checks.release(qkvOut); // copied into headsBuf; nothing else refers to it
        }
        INDArray heads = headsBuf.reshape('c', 3, b * numHeads, n, headDim);
        INDArray q = heads.get(NDArrayIndex.point(0)).muli(scale); // [B·H, N, hd]
        INDArray k = heads.get(NDArrayIndex.point(1));
        INDArray v = heads.get(NDArrayIndex.point(2));

        INDArray scores = Nd4j.matmul(q, k, false, true, false); // [B·H, N, N]
        if (additiveMask != null) {
            if (additiveMask.rank() != 2 || additiveMask.size(0) != n || additiveMask.size(1) != n) {
                throw new IllegalArgumentException(who + ": additive mask shape " + Checks.shape(additiveMask)
                        + ", expected [" + n + ", " + n + "] for " + n + " tokens");
            }
            scores.addi(Checks.as(additiveMask, type)); // broadcast over B·H
        }
        INDArray probs = Softmax.softmax(scores); // [B·H, N, N]
        INDArray dropped = attnDrop.forward(probs); // [B·H, N, N]; probs itself at inference
        INDArray ctx = Nd4j.matmul(dropped, v); // [B·H, N, hd]
        // concatenate heads back along features: [B, H, N, hd] -> [B, N, H, hd] -> [B, N, D]
        INDArray mergedBuf = ctx.reshape('c', b, numHeads, n, headDim).permute(0, 2, 1, 3).dup('c');
        INDArray out = projDrop.forward(proj.forward(mergedBuf.reshape('c', b, n, dim))); // [B, N, D]

        boolean keepProbs = returnProbs || trace != null;
        Checks.release(scores, ctx);
        if (isTraining()) {
            cache = new Cache(q, k, v, probs, dropped, b, n);
        } else {
            cache = null;
            Checks.release(headsBuf, mergedBuf, keepProbs ? null : probs);
        }
        INDArray probs4 = keepProbs ? probs.reshape('c', b, numHeads, n, n) : null;
        if (trace != null) {
            trace.record("qkv", qkvOut);
            trace.record("probs", probs4);
            trace.record("out", out);
        }
        return new Output(out, returnProbs ? probs4 : null);
    }

    /**
     * Back-propagates through the latest training-mode forward pass (mask included): accumulates the
     * gradients of {@code qkv} and {@code proj} and returns dL/dx {@code [B, N, D]}.
     */
    @Override
    public INDArray backward(INDArray gradOut) {
        Cache c = Checks.cached(cache, "MultiHeadAttention");
        long b = c.batch();
        long n = c.tokens();
        Checks.sameShape("MultiHeadAttention", gradOut, new long[] {b, n, dim});
        cache = null;
        INDArray dMerged = proj.backward(projDrop.backward(gradOut)); // [B, N, D]
        INDArray dCtx = dMerged.reshape('c', b, n, numHeads, headDim).permute(0, 2, 1, 3).dup('c')
                .reshape('c', b * numHeads, n, headDim); // [B·H, N, hd]
        // ctx = dropped · v with dropped = attn_drop(probs)
        INDArray dProbs = attnDrop.backward(Nd4j.matmul(dCtx, c.v(), false, true, false)); // [B·H, N, N]
        INDArray dv = Nd4j.matmul(c.dropped(), dCtx, true, false, false); // [B·H, N, hd]
        INDArray dScores = Softmax.softmaxBackward(c.probs(), dProbs); // [B·H, N, N]
        INDArray dq = Nd4j.matmul(dScores, c.k()).muli(scale); // through q·scale
        INDArray dk = Nd4j.matmul(dScores, c.q(), true, false, false);
        // [3, B·H, N, hd] -> [3, B, H, N, hd] -> [B, N, 3, H, hd] -> [B, N, 3D]
        INDArray dHeads = Nd4j.stack(0, dq, dk, dv).reshape('c', 3, b, numHeads, n, headDim);
        INDArray dQkv = dHeads.permute(1, 3, 0, 2, 4).dup('c').reshape('c', b, n, 3L * dim);
        return qkv.backward(dQkv);
    }

    @Override
    protected void clearCache() {
        cache = null;
    }

    /**
     * The causal (autoregressive) additive mask {@code [n, n]}: 0 where key ≤ query (on and below the
     * diagonal), {@code -∞} above it, so position i attends to positions 0..i only.
     */
    public static INDArray causalMask(int n, DataType type) {
        if (n <= 0) {
            throw new IllegalArgumentException("causalMask: n must be positive, got " + n);
        }
        if (type == null || !type.isFPType()) {
            throw new IllegalArgumentException("causalMask: type must be floating point, got " + type);
        }
        double[] m = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                m[i * n + j] = Double.NEGATIVE_INFINITY;
            }
        }
        return Nd4j.create(m, new long[] {n, n}, DataType.DOUBLE).castTo(type); // [query, key]
    }
}
