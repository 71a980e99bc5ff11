package dev.vitj.core.fast;

import dev.vitj.core.kernels.Act;
import dev.vitj.core.nn.EncoderBlock;
import dev.vitj.core.nn.Linear;
import dev.vitj.core.nn.MultiHeadAttention;
import dev.vitj.core.nn.Mlp;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * A stack of pre-norm transformer encoder blocks ({@link EncoderBlock}) compiled for inference: the
 * weights are copied once into native buffers, and a forward pass runs on a {@link Workspace} with BLAS
 * matrix products and fused row kernels only. Per block, for the {@code [T, D]} residual stream {@code x}
 * of {@code T = batch·tokens} rows:
 * <pre>
 *   h = LN1(x)                                   fused kernel
 *   qkv = h·Wqkvᵀ (+ b)                          one GEMM [T, 3D], bias applied per column block
 *   per image, all heads:                        {@link FastOps#attention}: heads split across the threads;
 *     P = softmax(scale·q kᵀ [+ causal])           per head, q, k, v copied from their columns of qkv into
 *     ctx[:, head] = P·v                           L2-sized scratch, two register-blocked Java products and
 *                                                  the fused softmax (or two BLAS calls on strided views)
 *   x += ctx·Wprojᵀ + bproj                      GEMM with beta = 1: the residual add is free
 *   h = LN2(x)
 *   a = act(h·W1ᵀ + b1)                          GEMM, bias + activation on each thread's column block
 *   x += a·W2ᵀ + b2                              GEMM with beta = 1
 * </pre>
 * Every GEMM is split across the {@link FastOps} thread team by columns (single-threaded BLAS per block), so
 * one team of threads runs the whole pass.
 * LayerScale is folded into the output projections at compile time ({@code γ·(yWᵀ + b) = y(γW)ᵀ + γb}).
 * Results equal {@link EncoderBlock#forward} up to float rounding (see the differential tests).
 */
public final class FastTransformer implements AutoCloseable {
    /** Receives one image's attention probabilities of one block: {@code [heads, n, n]} at {@code offset}. */
    @FunctionalInterface
    public interface AttentionSink {
        void accept(int block, int image, NativeBuffer probs, int offset, int heads, int n);
    }

    /** One block's weights, as the fast path uses them. */
    private record Block(float[] ln1Gamma, float[] ln1Beta, float ln1Eps, NativeBuffer wqkv, float[] bqkv,
                         NativeBuffer wproj, float[] bproj, float[] ln2Gamma, float[] ln2Beta, float ln2Eps,
                         NativeBuffer w1, float[] b1, Act act, NativeBuffer w2, float[] b2) {}

    private final List<Block> blocks;
    private final int dim;
    private final int heads;
    private final int headDim;
    private final int hidden;
    private final float scale;

    private FastTransformer(List<Block> blocks, int dim, int heads, int hidden) {
        this.blocks = blocks;
        this.dim = dim;
        this.heads = heads;
        this.headDim = dim / heads;
        this.hidden = hidden;
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /**
     * Compiles {@code blocks} (all of the same width, heads and MLP width). The weights are copied, so
     * later changes to the modules do not affect the compiled stack.
     */
    public static FastTransformer compile(List<EncoderBlock> blocks) {
        if (blocks == null || blocks.isEmpty()) {
            throw new IllegalArgumentException("FastTransformer: no blocks to compile");
        }
        EncoderBlock first = blocks.get(0);
        int dim = first.dim();
        int heads = first.attn().numHeads();
        int hidden = first.mlp().fc1().outFeatures();
        List<Block> out = new ArrayList<>(blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            EncoderBlock b = blocks.get(i);
            MultiHeadAttention attn = b.attn();
            Mlp mlp = b.mlp();
            if (b.dim() != dim || attn.numHeads() != heads || mlp.fc1().outFeatures() != hidden
                    || mlp.fc2().inFeatures() != hidden) {
                throw new IllegalArgumentException("FastTransformer: block " + i + " has width " + b.dim() + ", "
                        + attn.numHeads() + " heads, MLP " + mlp.fc1().outFeatures() + "; block 0 has " + dim + ", "
                        + heads + ", " + hidden + " (all blocks must match)");
            }
            float[] ls1 = b.ls1() == null ? null : floats(b.ls1().gamma().value());
            float[] ls2 = b.ls2() == null ? null : floats(b.ls2().gamma().value());
            out.add(new Block(
                    floats(b.norm1().weight().value()), floats(b.norm1().bias().value()), (float) b.norm1().eps(),
                    weight(attn.qkv(), null), bias(attn.qkv(), null),
                    weight(attn.proj(), ls1), biasOrZero(attn.proj(), ls1),
                    floats(b.norm2().weight().value()), floats(b.norm2().bias().value()), (float) b.norm2().eps(),
                    weight(mlp.fc1(), null), biasOrZero(mlp.fc1(), null), Act.of(mlp.act().name()),
                    weight(mlp.fc2(), ls2), biasOrZero(mlp.fc2(), ls2)));
        }
        return new FastTransformer(List.copyOf(out), dim, heads, hidden);
    }

    private static float[] floats(INDArray a) {
        return NativeBuffer.toFloats(a);
    }

    /** The weight {@code [out, in]} as a native copy, each output row scaled by {@code gamma[row]} when given. */
    private static NativeBuffer weight(Linear l, float[] gamma) {
        if (gamma == null) {
            return NativeBuffer.copyOf(l.weight().value());
        }
        float[] w = floats(l.weight().value());
        int in = l.inFeatures();
        for (int r = 0; r < l.outFeatures(); r++) {
            for (int c = 0; c < in; c++) {
                w[r * in + c] *= gamma[r];
            }
        }
        return NativeBuffer.copyOf(w);
    }

    private static float[] bias(Linear l, float[] gamma) {
        if (l.bias() == null) {
            return null;
        }
        float[] b = floats(l.bias().value());
        if (gamma != null) {
            for (int i = 0; i < b.length; i++) {
                b[i] *= gamma[i];
            }
        }
        return b;
    }

    private static float[] biasOrZero(Linear l, float[] gamma) {
        float[] b = bias(l, gamma);
        return b != null ? b : new float[l.outFeatures()];
    }

    /** Model width D. */
    public int dim() {
        return dim;
    }

    public int heads() {
        return heads;
    }

    /** MLP hidden width. */
    public int hidden() {
        return hidden;
    }

    /** Number of blocks. */
    public int depth() {
        return blocks.size();
    }

    /** The buffers for up to {@code rows = batch·tokens} rows of sequences of up to {@code tokens} tokens. */
    public Workspace workspace(int rows, int tokens) {
        return new Workspace(rows, tokens, dim, heads, hidden);
    }

    /**
     * Runs every block on {@code ws.x()} in place: {@code batch} sequences of {@code tokens} tokens, rows
     * {@code [batch·tokens, D]}.
     *
     * @param causal    whether token i attends to tokens 0..i only
     * @param sink      receives each block's attention probabilities, or null
     * @param profile   receives stage timings, or null
     */
    public void run(FastOps ops, Workspace ws, int batch, int tokens, boolean causal, AttentionSink sink,
                    Profile profile) {
        check(ws, batch, tokens);
        for (int i = 0; i < blocks.size(); i++) {
            attention(ops, i, blocks.get(i), ws, batch, tokens, causal, sink, profile);
            mlp(ops, blocks.get(i), ws, batch * tokens, profile);
        }
    }

    /**
     * Only the attention half of block {@code index}, {@code x += attn(norm1(x))}, on the rows of
     * {@code ws.x()} (for benchmarks and tests of that sub-layer).
     */
    public void runAttention(FastOps ops, Workspace ws, int index, int batch, int tokens, boolean causal) {
        if (index < 0 || index >= blocks.size()) {
            throw new IllegalArgumentException("FastTransformer: no block " + index + " (depth " + blocks.size() + ")");
        }
        check(ws, batch, tokens);
        attention(ops, index, blocks.get(index), ws, batch, tokens, causal, null, null);
    }

    private void check(Workspace ws, int batch, int tokens) {
        if (batch <= 0 || tokens <= 0 || (long) batch * tokens > ws.rows() || tokens > ws.tokens()) {
            throw new IllegalArgumentException("FastTransformer.run: " + batch + " sequences of " + tokens
                    + " tokens do not fit the workspace (" + ws.rows() + " rows, up to " + ws.tokens() + " tokens)");
        }
        if (ws.dim() != dim || ws.hidden() != hidden || ws.heads() != heads) {
            throw new IllegalArgumentException("FastTransformer.run: workspace was made for another model");
        }
    }

    /** {@code x += attn(LN1(x))}. */
    private void attention(FastOps ops, int index, Block b, Workspace ws, int batch, int n, boolean causal,
                           AttentionSink sink, Profile profile) {
        int rows = batch * n;
        int d = dim;
        int d3 = 3 * d;
        NativeBuffer x = ws.x();
        NativeBuffer h = ws.h();
        NativeBuffer qkv = ws.qkv();
        NativeBuffer scores = ws.scores();
        NativeBuffer ctx = ws.ctx();

        long t = Profile.start(profile);
        ops.layerNorm(x, 0, h, 0, rows, d, b.ln1Gamma(), b.ln1Beta(), b.ln1Eps());
        t = Profile.lap(profile, Profile.Stage.NORMS, t);

        ops.gemm(false, true, rows, d3, d, 1f, h, 0, d, b.wqkv(), 0, d, 0f, qkv, 0, d3, b.bqkv(), Act.IDENTITY); // [T, 3D]
        t = Profile.lap(profile, Profile.Stage.ATTENTION_QKV, t);

        for (int img = 0; img < batch; img++) {
            // all heads of this image, the heads split across the threads
            ops.attention(qkv, img * n * d3, n, heads, headDim, scale, causal, ctx, img * n * d, d,
                    sink == null ? null : scores, 0);
            if (sink != null) {
                sink.accept(index, img, scores, 0, heads, n);
            }
        }
        t = Profile.lap(profile, Profile.Stage.ATTENTION_CORE, t);

        // x += ctx·Wprojᵀ + bproj: GEMM with beta = 1, so the residual add is free
        ops.gemm(false, true, rows, d, d, 1f, ctx, 0, d, b.wproj(), 0, d, 1f, x, 0, d, b.bproj(), Act.IDENTITY);
        Profile.lap(profile, Profile.Stage.ATTENTION_PROJ, t);
    }

    /** {@code x += mlp(LN2(x))}. */
    private void mlp(FastOps ops, Block b, Workspace ws, int rows, Profile profile) {
        int d = dim;
        NativeBuffer x = ws.x();
        NativeBuffer h = ws.h();
        NativeBuffer act = ws.hiddenBuffer();
        long t = Profile.start(profile);
        ops.layerNorm(x, 0, h, 0, rows, d, b.ln2Gamma(), b.ln2Beta(), b.ln2Eps());
        t = Profile.lap(profile, Profile.Stage.NORMS, t);

        // a = act(h·W1ᵀ + b1), bias and activation applied by each thread to its block of columns
        ops.gemm(false, true, rows, hidden, d, 1f, h, 0, d, b.w1(), 0, d, 0f, act, 0, hidden, b.b1(), b.act()); // [T, F]
        t = Profile.lap(profile, Profile.Stage.MLP_FC1, t);

        // x += a·W2ᵀ + b2 (beta = 1)
        ops.gemm(false, true, rows, d, hidden, 1f, act, 0, hidden, b.w2(), 0, hidden, 1f, x, 0, d, b.b2(), Act.IDENTITY);
        Profile.lap(profile, Profile.Stage.MLP_FC2, t);
    }

    /** Native bytes of the compiled weight matrices. */
    public long weightBytes() {
        long n = 0;
        for (Block b : blocks) {
            n += (long) b.wqkv().length() + b.wproj().length() + b.w1().length() + b.w2().length();
        }
        return 4 * n;
    }

    /** Frees the weights' native memory now (the stack must not be used afterwards). */
    @Override
    public void close() {
        for (Block b : blocks) {
            b.wqkv().close();
            b.wproj().close();
            b.w1().close();
            b.w2().close();
        }
    }

    /**
     * The activation buffers of one forward pass, allocated once for up to {@link #rows()} rows: reused
     * by every block and every call, so steady-state inference allocates no native memory.
     */
    public static final class Workspace implements AutoCloseable {
        private final int rows;
        private final int tokens;
        private final int dim;
        private final int heads;
        private final int hidden;
        private final NativeBuffer x;
        private final NativeBuffer h;
        private final NativeBuffer qkv;
        private final NativeBuffer scores;
        private final NativeBuffer ctx;
        private final NativeBuffer hiddenBuffer;

        Workspace(int rows, int tokens, int dim, int heads, int hidden) {
            if (rows <= 0 || tokens <= 0) {
                throw new IllegalArgumentException("Workspace: rows and tokens must be positive, got " + rows + ", " + tokens);
            }
            this.rows = rows;
            this.tokens = tokens;
            this.dim = dim;
            this.heads = heads;
            this.hidden = hidden;
            this.x = NativeBuffer.allocate((long) rows * dim); // [T, D] residual stream
            this.h = NativeBuffer.allocate((long) rows * dim); // [T, D] LayerNorm output
            this.qkv = NativeBuffer.allocate((long) rows * 3 * dim); // [T, 3D]
            this.scores = NativeBuffer.allocate((long) heads * tokens * tokens); // [heads, N, N], one image at a time
            this.ctx = NativeBuffer.allocate((long) rows * dim); // [T, D] merged heads
            this.hiddenBuffer = NativeBuffer.allocate((long) rows * hidden); // [T, F]
        }

        /** Row capacity (batch · tokens). */
        public int rows() {
            return rows;
        }

        /** Longest sequence. */
        public int tokens() {
            return tokens;
        }

        int dim() {
            return dim;
        }

        int heads() {
            return heads;
        }

        int hidden() {
            return hidden;
        }

        /** The residual stream {@code [T, D]}: write the embeddings here, read the block outputs from here. */
        public NativeBuffer x() {
            return x;
        }

        /** A {@code [T, D]} scratch matrix (free after {@link FastTransformer#run}). */
        public NativeBuffer h() {
            return h;
        }

        NativeBuffer qkv() {
            return qkv;
        }

        NativeBuffer scores() {
            return scores;
        }

        NativeBuffer ctx() {
            return ctx;
        }

        /** A {@code [T, F]} scratch matrix (free after {@link FastTransformer#run}). */
        public NativeBuffer hiddenBuffer() {
            return hiddenBuffer;
        }

        /** Native bytes held. */
        public long bytes() {
            return 4L * (x.length() + h.length() + qkv.length() + scores.length() + ctx.length() + hiddenBuffer.length());
        }

        @Override
        public void close() {
            x.close();
            h.close();
            qkv.close();
            scores.close();
            ctx.close();
            hiddenBuffer.close();
        }
    }
}
