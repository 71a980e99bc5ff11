package dev.vitj.clip.fast;

import dev.vitj.clip.OpenClipConfig;
import dev.vitj.clip.TextTransformer;
import dev.vitj.clip.TokenRows;
import dev.vitj.core.fast.FastOps;
import dev.vitj.core.fast.FastTransformer;
import dev.vitj.core.fast.NativeBuffer;
import dev.vitj.core.fast.Profile;
import dev.vitj.core.kernels.Act;
import dev.vitj.core.nn.Parameter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * CLIP's text tower ({@link TextTransformer}) compiled for fast float32 inference on the CPU: the same
 * features as {@link TextTransformer#forward} from BLAS matrix products, fused kernels (the causal mask is
 * applied inside the softmax kernel, without computing the masked entries) and preallocated buffers.
 *
 * <pre>
 *   x = token_embedding[ids] + positional_embedding      row copies + one fused add
 *   x = blocks(x, causal)                                {@link FastTransformer}
 *   pooled = ln_final(x[b, pool(b)])                     LayerNorm is per row, so pooling first is exact
 *   features = pooled @ text_projection                  one GEMM
 * </pre>
 *
 * {@link #compile} copies the weights (including the token-embedding table). Calls are serialised; results
 * are fresh arrays. CPU backend only.
 */
public final class FastTextEncoder implements AutoCloseable {
    private final OpenClipConfig.Text config;
    private final int embedDim;
    private final FastOps ops;
    private final FastTransformer blocks;
    private final NativeBuffer tokenEmbedding; // [V, W]
    private final float[] positions; // [ctx, W]
    private final float[] lnGamma;
    private final float[] lnBeta;
    private final NativeBuffer projection; // [W, E] (bare matrix) or [E, W] (Linear weight)
    private final boolean projIsLinear;
    private final float[] projBias; // or null
    private Buffers buffers;

    private FastTextEncoder(TextTransformer text, FastOps ops) {
        this.config = text.config();
        this.embedDim = text.embedDim();
        this.ops = ops;
        Map<String, Parameter> p = text.namedParameters();
        this.blocks = FastTransformer.compile(text.blocks());
        this.tokenEmbedding = NativeBuffer.copyOf(p.get("token_embedding.weight").value());
        this.positions = NativeBuffer.toFloats(p.get("positional_embedding").value());
        this.lnGamma = NativeBuffer.toFloats(p.get("ln_final.weight").value());
        this.lnBeta = NativeBuffer.toFloats(p.get("ln_final.bias").value());
        Parameter bare = p.get("text_projection");
        if (bare != null) {
            this.projection = NativeBuffer.copyOf(bare.value()); // [W, E]
            this.projIsLinear = false;
            this.projBias = null;
        } else {
            this.projection = NativeBuffer.copyOf(p.get("text_projection.weight").value()); // [E, W]
            this.projIsLinear = true;
            Parameter bias = p.get("text_projection.bias");
            this.projBias = bias == null ? null : NativeBuffer.toFloats(bias.value());
        }
    }

    /** Compiles {@code text} with the best kernels and BLAS and one thread per core. */
    public static FastTextEncoder compile(TextTransformer text) {
        return compile(text, FastOps.defaults());
    }

    /** Compiles {@code text} to run on {@code ops}. */
    public static FastTextEncoder compile(TextTransformer text, FastOps ops) {
        if (text == null || ops == null) {
            throw new IllegalArgumentException("FastTextEncoder.compile: text tower and ops must not be null");
        }
        return new FastTextEncoder(text, ops);
    }

    /** The tower's configuration. */
    public OpenClipConfig.Text config() {
        return config;
    }

    /** The kernels, GEMM and threads in use. */
    public FastOps ops() {
        return ops;
    }

    /**
     * Projected text features {@code [B, E]} (not normalised) for token ids {@code [B][L]}. As
     * {@link TextTransformer#encode}, positions after the last one any row pools from are not computed
     * ({@link TextTransformer#trimPadding}): a 10-token prompt costs 10 positions, not 77.
     */
    public INDArray encode(long[][] tokens) {
        TokenRows.check("FastTextEncoder", config, tokens); // every id and the length, before padding is cut away
        return forward(TokenRows.trimPadding(config, tokens), false, null).features();
    }

    /**
     * One forward pass, as {@link TextTransformer#forward} (without intermediates).
     *
     * @param tokens    ids {@code [B][L]}, rows of equal length {@code 1..context length}, ids in {@code [0, vocab)}
     * @param attention whether to return each block's attention probabilities {@code [B, heads, L, L]}
     * @param profile   receives stage timings, or null
     */
    public synchronized TextTransformer.Output forward(long[][] tokens, boolean attention, Profile profile) {
        int b = TokenRows.check("FastTextEncoder", config, tokens);
        int len = tokens[0].length;
        int w = config.width();
        Buffers buf = buffers(b);
        NativeBuffer x = buf.ws.x();

        long t = Profile.start(profile);
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < len; j++) {
                x.copyFrom(tokenEmbedding, (int) tokens[i][j] * w, (i * len + j) * w, w);
            }
        }
        ops.addTable(x, 0, b * len, w, positions, len); // row (i, j) gets positional_embedding[j]
        Profile.lap(profile, Profile.Stage.EMBED, t);

        List<INDArray> probs = null;
        FastTransformer.AttentionSink sink = null;
        if (attention) {
            List<INDArray> arrays = new ArrayList<>(blocks.depth());
            List<NativeBuffer> views = new ArrayList<>(blocks.depth());
            for (int i = 0; i < blocks.depth(); i++) {
                INDArray a = Nd4j.createUninitialized(DataType.FLOAT, b, blocks.heads(), len, len); // [B, heads, L, L]
                arrays.add(a);
                views.add(NativeBuffer.viewOf(a));
            }
            probs = arrays;
            sink = (block, image, src, offset, heads, n) -> {
                int size = heads * n * n;
                views.get(block).copyFrom(src, offset, image * size, size);
            };
        }
        blocks.run(ops, buf.ws, b, len, config.causalMask(), sink, profile);

        t = Profile.start(profile);
        int[] at = TokenRows.poolIndex(config, tokens);
        NativeBuffer pooled = buf.pooled;
        for (int i = 0; i < b; i++) {
            pooled.copyFrom(x, (i * len + at[i]) * w, i * w, w);
        }
        // ln_final is per row: normalising the pooled rows equals pooling the normalised tokens
        ops.layerNorm(pooled, 0, pooled, 0, b, w, lnGamma, lnBeta, (float) config.normEps());
        t = Profile.lap(profile, Profile.Stage.NORMS, t);
        int e = embedDim;
        if (projIsLinear) {
            ops.gemm(false, true, b, e, w, 1f, pooled, 0, w, projection, 0, w, 0f, buf.features, 0, e);
            if (projBias != null) {
                ops.biasAct(buf.features, 0, b, e, e, projBias, Act.IDENTITY);
            }
        } else {
            ops.gemm(false, false, b, e, w, 1f, pooled, 0, w, projection, 0, e, 0f, buf.features, 0, e);
        }
        INDArray features = buf.features.copyToArray(0, b, e);
        Profile.lap(profile, Profile.Stage.HEAD, t);
        return new TextTransformer.Output(features, at, probs);
    }

    private Buffers buffers(int batch) {
        if (buffers == null || buffers.batch < batch) {
            if (buffers != null) {
                buffers.close();
            }
            buffers = new Buffers(batch);
        }
        return buffers;
    }

    /** Native bytes of weights and buffers held now. */
    public long nativeBytes() {
        long n = 4L * (tokenEmbedding.length() + projection.length()) + blocks.weightBytes();
        return n + (buffers == null ? 0 : buffers.bytes());
    }

    /** Frees the native memory now; the encoder must not be used afterwards. */
    @Override
    public synchronized void close() {
        blocks.close();
        tokenEmbedding.close();
        projection.close();
        if (buffers != null) {
            buffers.close();
            buffers = null;
        }
    }

    /** Buffers for up to {@code batch} texts of up to the context length. */
    private final class Buffers implements AutoCloseable {
        final int batch;
        final FastTransformer.Workspace ws;
        final NativeBuffer pooled; // [B, W]
        final NativeBuffer features; // [B, E]

        Buffers(int batch) {
            this.batch = batch;
            int ctx = config.contextLength();
            this.ws = blocks.workspace(batch * ctx, ctx);
            this.pooled = NativeBuffer.allocate((long) batch * config.width());
            this.features = NativeBuffer.allocate((long) batch * embedDim);
        }

        long bytes() {
            return ws.bytes() + 4L * (pooled.length() + features.length());
        }

        @Override
        public void close() {
            ws.close();
            pooled.close();
            features.close();
        }
    }
}
