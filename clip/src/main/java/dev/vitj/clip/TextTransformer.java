package dev.vitj.clip;

import dev.vitj.core.nn.Activation;
import dev.vitj.core.nn.EncoderBlock;
import dev.vitj.core.nn.LayerNorm;
import dev.vitj.core.nn.Linear;
import dev.vitj.core.nn.Module;
import dev.vitj.core.nn.MultiHeadAttention;
import dev.vitj.core.nn.Parameter;
import dev.vitj.core.nn.Trace;
import dev.vitj.core.nn.WeightInit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CLIP's text tower (Radford et al. 2021, section 2.4), as open_clip's {@code TextTransformer}: a causal
 * Transformer over BPE token ids whose output at one position, the end-of-text token, is the text's
 * embedding.
 *
 * <pre>
 *   x = token_embedding[ids] + positional_embedding       [B, L, W]   (L ≤ context length)
 *   x = blocks[layers-1](...blocks[0](x, causal mask))    pre-norm blocks; position i sees 0..i only
 *   x = ln_final(x)
 *   pooled = x[b, eot(b)]                                 [B, W]   eot = first position of the largest id
 *   features = pooled @ text_projection                   [B, E]
 * </pre>
 *
 * The pooling position is {@code argmax} of the ids (the end-of-text id 49407 is the largest in the
 * vocabulary), or the {@code first} / {@code last} position when the config says so. With
 * {@code final_ln_after_pool}, {@code ln_final} is applied to the pooled vector instead. The projection
 * is a bare matrix {@code [W, E]} ({@code x @ P}), or a Linear with bias when {@code proj_bias} is set.
 * Padding positions (id 0) are not masked, as in open_clip: the causal mask already keeps them from
 * influencing the end-of-text position.
 *
 * <p>Training ({@link #train(boolean) train(true)}): each layer caches what its backward pass needs and
 * {@link #backward} runs the pass in reverse, from the features down to the embeddings (the token ids
 * themselves take no gradient).
 *
 * <p>Parameter names: {@code token_embedding.weight [V, W]}, {@code positional_embedding [ctx, W]},
 * {@code blocks.{i}.*} ({@link EncoderBlock}), {@code ln_final.*}, {@code text_projection [W, E]} (or
 * {@code text_projection.weight/bias}). {@link OpenClipKeys} maps open_clip's names onto these.
 */
public final class TextTransformer extends Module {
    /**
     * Result of {@link #forward(long[][], boolean, Trace)}.
     *
     * @param features  {@code [B, E]} projected text features (not normalised)
     * @param poolIndex per text, the position whose output was pooled
     * @param attention per block {@code [B, heads, L, L]} attention probabilities, or null when not requested
     */
    public record Output(INDArray features, int[] poolIndex, List<INDArray> attention) {}

    /** The token embedding table, a child so its name reads {@code token_embedding.weight}. */
    private static final class Embedding extends Module {
        final Parameter weight;

        Embedding(int vocab, int width) {
            // open_clip: nn.init.normal_(token_embedding.weight, std=0.02)
            this.weight = parameter("weight", new long[] {vocab, width}, shape -> normal(shape, 0.02), true); // [V, W]
        }
    }

    /** The numbered blocks, a child called {@code blocks}. */
    private static final class Blocks extends Module {
        EncoderBlock add(int i, EncoderBlock b) {
            return child(Integer.toString(i), b);
        }
    }

    private final OpenClipConfig.Text config;
    private final int embedDim;
    private final Embedding tokenEmbedding;
    private final Parameter positionalEmbedding; // [ctx, W]
    private final List<EncoderBlock> blocks;
    private final LayerNorm lnFinal;
    private final Parameter projection; // [W, E], or null when projLinear is used
    private final Linear projLinear; // with proj_bias, or null

    /** What {@link #backward} needs from the latest training-mode forward pass. */
    private record Cache(int[] ids, int batch, int length, int[] poolRows, INDArray pooled) {}

    private Cache cache;

    /**
     * A randomly initialised text tower.
     *
     * @param config     the text tower's configuration
     * @param embedDim   the joint embedding dimension E
     * @param activation the MLP activation name ({@code gelu} or {@code quick_gelu})
     */
    public TextTransformer(OpenClipConfig.Text config, int embedDim, String activation) {
        if (config == null) {
            throw new IllegalArgumentException("TextTransformer: config is null");
        }
        if (embedDim <= 0) {
            throw new IllegalArgumentException("TextTransformer: embedDim must be positive, got " + embedDim);
        }
        this.config = config;
        this.embedDim = embedDim;
        int w = config.width();
        this.tokenEmbedding = child("token_embedding", new Embedding(config.vocabSize(), w));
        this.positionalEmbedding = parameter("positional_embedding", new long[] {config.contextLength(), w},
                shape -> normal(shape, 0.01), false); // [ctx, W]
        Blocks list = child("blocks", new Blocks());
        Activation act = Activation.of(activation);
        List<EncoderBlock> bs = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            bs.add(list.add(i, new EncoderBlock(w, config.heads(), config.mlpRatio(), true, act, config.normEps(),
                    config.lsInitValue())));
        }
        this.blocks = Collections.unmodifiableList(bs);
        this.lnFinal = child("ln_final", new LayerNorm(w, config.normEps()));
        if (config.projBias()) {
            this.projLinear = child("text_projection", new Linear(w, embedDim, true));
            this.projection = null;
        } else {
            this.projLinear = null;
            this.projection = parameter("text_projection", new long[] {w, embedDim},
                    shape -> normal(shape, 1.0 / Math.sqrt(w)), true); // [W, E]
        }
    }

    /** Normal(0, std) samples: the initial values of the embeddings and the projection. */
    static INDArray normal(long[] shape, double std) {
        return Nd4j.randn(DataType.FLOAT, shape).muli(std);
    }

    /** The configuration. */
    public OpenClipConfig.Text config() {
        return config;
    }

    /** The joint embedding dimension E. */
    public int embedDim() {
        return embedDim;
    }

    /** The blocks, in order. */
    public List<EncoderBlock> blocks() {
        return blocks;
    }

    /**
     * Projected text features {@code [B, E]} for token ids {@code [B][L]} (not normalised). Trailing positions
     * that cannot influence the result are not computed ({@link #trimPadding}).
     */
    public INDArray encode(long[][] tokens) {
        TokenRows.check("TextTransformer", config, tokens); // validate every id and the length before any padding is cut away
        return forward(trimPadding(tokens), false, null).features();
    }

    /**
     * The token rows cut after the last position any row pools from, when the rest cannot change the features:
     * with the causal mask a position only sees positions before it, so for {@code argmax} and {@code first}
     * pooling (with {@code ln_final} before or after pooling) the padding after the last end-of-text token is
     * dead weight, 77 positions computed for a 10-token prompt. The features are the same either way (up to
     * float rounding in the order of the sums). Returns {@code tokens} itself when nothing can be cut.
     */
    public long[][] trimPadding(long[][] tokens) {
        return TokenRows.trimPadding(config, tokens);
    }

    /**
     * One forward pass.
     *
     * @param tokens    token ids {@code [B][L]}, every row of the same length {@code 1 ≤ L ≤ context length},
     *                  each id in {@code [0, vocab)}
     * @param attention whether to return every block's attention probabilities {@code [B, heads, L, L]}
     * @param trace     null, or a sink for the intermediates: {@code embeddings}, {@code blocks.{i}.*} (see
     *                  {@link EncoderBlock}), {@code ln_final}, {@code pooled}, {@code features}
     */
    public Output forward(long[][] tokens, boolean attention, Trace trace) {
        int b = TokenRows.check("TextTransformer", config, tokens);
        int len = tokens[0].length;
        int w = config.width();
        boolean keep = trace != null || isTraining();

        int[] ids = new int[b * len];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < len; j++) {
                ids[i * len + j] = (int) tokens[i][j];
            }
        }
        INDArray table = tokenEmbedding.weight.value();
        INDArray x = Nd4j.pullRows(table, 1, ids).reshape('c', b, len, w); // [B, L, W]
        INDArray pos = positionalEmbedding.value().get(NDArrayIndex.interval(0, len), NDArrayIndex.all()); // [L, W]
        x.reshape('c', b, (long) len * w).addiRowVector(pos.reshape('c', 1, (long) len * w)); // in place
        record(trace, "embeddings", x);

        INDArray mask = config.causalMask() ? MultiHeadAttention.causalMask(len, x.dataType()) : null; // [L, L]
        List<INDArray> attn = attention ? new ArrayList<>(blocks.size()) : null;
        for (int i = 0; i < blocks.size(); i++) {
            EncoderBlock.Output o = blocks.get(i).forward(x, mask, attention,
                    trace == null ? null : trace.prefixed("blocks." + i + "."));
            if (attn != null) {
                attn.add(o.probs()); // [B, heads, L, L]
            }
            if (!keep) {
                release(x);
            }
            x = o.out();
        }

        int[] at = poolIndex(tokens);
        int[] rows = new int[b];
        for (int i = 0; i < b; i++) {
            rows[i] = i * len + at[i];
        }
        INDArray pooled;
        if (config.finalLnAfterPool()) {
            INDArray picked = Nd4j.pullRows(x.reshape('c', (long) b * len, w), 1, rows); // [B, W]
            pooled = lnFinal.forward(picked);
            if (!keep) {
                release(x);
                release(picked);
            }
        } else {
            INDArray normed = lnFinal.forward(x); // [B, L, W]
            record(trace, "ln_final", normed);
            pooled = Nd4j.pullRows(normed.reshape('c', (long) b * len, w), 1, rows); // [B, W]
            if (!keep) {
                release(x);
                release(normed);
            }
        }
        record(trace, "pooled", pooled);
        INDArray features = projLinear != null ? projLinear.forward(pooled) : pooled.mmul(projection.value()); // [B, E]
        record(trace, "features", features);
        if (!keep) {
            release(pooled);
        }
        cache = isTraining() ? new Cache(ids, b, len, rows, pooled) : null;
        return new Output(features, at, attn);
    }

    /**
     * Back-propagates through the latest training-mode forward pass: accumulates the gradient of every
     * parameter, given {@code gradFeatures} = dL/dfeatures {@code [B, E]}. The stages in reverse:
     * <pre>
     *   features = pooled @ P          dL/dP = pooledᵀ g,  dL/dpooled = g Pᵀ    (or Linear backward)
     *   pooled = x[b, eot(b)]          the gradient goes to the pooled position of each text, zeros elsewhere
     *   ln_final, blocks               LayerNorm and EncoderBlock backward, last block first
     *   + positional_embedding         dL/dpos[0:L] = Σ_batch dL/dx                         [L, W] of [ctx, W]
     *   token_embedding[ids]           dL/dtable[v] = Σ of dL/dx over the positions holding id v (scatter-add)
     * </pre>
     * Each forward pass supports one backward pass.
     *
     * @throws IllegalStateException when there was no training-mode forward pass
     */
    public void backward(INDArray gradFeatures) {
        Cache c = cache;
        if (c == null) {
            throw new IllegalStateException("TextTransformer.backward: nothing cached; call train(true) and run "
                    + "forward first (each forward pass supports one backward pass)");
        }
        if (gradFeatures == null || gradFeatures.rank() != 2 || gradFeatures.size(0) != c.batch()
                || gradFeatures.size(1) != embedDim) {
            throw new IllegalArgumentException("TextTransformer.backward: gradFeatures shape "
                    + (gradFeatures == null ? "null" : Arrays.toString(gradFeatures.shape())) + ", expected ["
                    + c.batch() + ", " + embedDim + "] (the shape of the latest features)");
        }
        cache = null;
        int w = config.width();
        long rowsTotal = (long) c.batch() * c.length();
        INDArray g = gradFeatures.dataType() == dataType() ? gradFeatures : gradFeatures.castTo(dataType());

        INDArray gPooled; // [B, W]
        if (projLinear != null) {
            gPooled = projLinear.backward(g);
        } else {
            if (!projection.frozen()) {
                projection.accumulate(c.pooled().transpose().mmul(g)); // [W, E]
            }
            gPooled = g.mmul(projection.value().transpose()); // [B, W]
        }

        INDArray gx; // [B, L, W]
        if (config.finalLnAfterPool()) {
            gx = unpool(lnFinal.backward(gPooled), c, rowsTotal, w);
        } else {
            gx = lnFinal.backward(unpool(gPooled, c, rowsTotal, w));
        }
        for (int i = blocks.size() - 1; i >= 0; i--) {
            gx = blocks.get(i).backward(gx);
        }

        INDArray g2 = gx.reshape('c', rowsTotal, w); // [B·L, W]
        if (!positionalEmbedding.frozen()) {
            INDArray gPos = Nd4j.zeros(dataType(), config.contextLength(), w); // [ctx, W], zero past L
            gPos.get(NDArrayIndex.interval(0, c.length()), NDArrayIndex.all())
                    .assign(gx.sum(0)); // [L, W]
            positionalEmbedding.accumulate(gPos);
        }
        if (!tokenEmbedding.weight.frozen()) {
            scatterAddRows(tokenEmbedding.weight.grad(), c.ids(), g2.dup('c').data().asDouble(), w);
        }
    }

    /** The pooling's backward: row {@code i} of {@code g [B, W]} goes to text i's pooled position of {@code [B, L, W]}. */
    private INDArray unpool(INDArray g, Cache c, long rowsTotal, int w) {
        INDArray out = Nd4j.zeros(g.dataType(), rowsTotal, w); // [B·L, W]
        for (int i = 0; i < c.batch(); i++) {
            out.getRow(c.poolRows()[i]).assign(g.getRow(i));
        }
        return out.reshape('c', c.batch(), c.length(), w);
    }

    /**
     * {@code table[ids[r]] += rows[r]} for every r, where row r is {@code rows[r·w .. r·w + w)}: the gradient of an
     * embedding lookup, summed in double precision. A table of up to {@value #DENSE_SCATTER_LIMIT} entries gets
     * one dense update (one native call instead of one per distinct id, which dominates small vocabularies);
     * a larger one is updated row by row, only where ids occur.
     */
    static void scatterAddRows(INDArray table, int[] ids, double[] rows, int w) {
        scatterAddRows(table, ids, rows, w, DENSE_SCATTER_LIMIT);
    }

    /** {@link #scatterAddRows(INDArray, int[], double[], int)} with the dense path up to {@code denseLimit} entries. */
    static void scatterAddRows(INDArray table, int[] ids, double[] rows, int w, long denseLimit) {
        long v = table.size(0);
        if (v * w <= denseLimit) {
            double[] dense = new double[(int) (v * w)];
            for (int r = 0; r < ids.length; r++) {
                int at = ids[r] * w;
                for (int j = 0; j < w; j++) {
                    dense[at + j] += rows[r * w + j];
                }
            }
            table.addi(Nd4j.create(dense, table.shape(), DataType.DOUBLE).castTo(table.dataType()));
            return;
        }
        Map<Integer, double[]> sums = new LinkedHashMap<>();
        for (int r = 0; r < ids.length; r++) {
            double[] s = sums.computeIfAbsent(ids[r], k -> new double[w]);
            for (int j = 0; j < w; j++) {
                s[j] += rows[r * w + j];
            }
        }
        for (Map.Entry<Integer, double[]> e : sums.entrySet()) {
            INDArray row = table.getRow(e.getKey());
            row.addi(Nd4j.createFromArray(e.getValue()).castTo(table.dataType()));
        }
    }

    /** Tables up to this many entries take {@link #scatterAddRows}'s dense path (4 Mi doubles, 32 MiB). */
    static final long DENSE_SCATTER_LIMIT = 1L << 22;

    @Override
    protected void clearCache() {
        cache = null;
    }

    /** The parameter type (FLOAT unless converted with {@link #to(DataType)}). */
    public DataType dataType() {
        return positionalEmbedding.value().dataType();
    }

    /**
     * Re-initialises every parameter from {@code seed} with open_clip's scheme for training from scratch
     * ({@code TextTransformer.init_parameters}): token embedding normal(0, 0.02), positional embedding
     * normal(0, 0.01); in each block, with width W and L layers, {@code qkv} weights normal(0, W^-½), the
     * attention output and {@code fc2} weights normal(0, W^-½·(2L)^-½) (the residual branches add up over
     * 2L sums), {@code fc1} weights normal(0, (2W)^-½); the text projection normal(0, W^-½). Biases are 0,
     * LayerNorm gains 1 and layer-scale gains their init value. Each parameter draws from its own stream split
     * off a generator seeded with {@code seed}, in {@link #namedParameters()} order.
     *
     * @return this tower
     */
    public TextTransformer initWeights(long seed) {
        int w = config.width();
        double attnStd = Math.pow(w, -0.5);
        double projStd = attnStd * Math.pow(2.0 * config.layers(), -0.5);
        double fcStd = Math.pow(2.0 * w, -0.5);
        SplittableRandom root = new SplittableRandom(seed);
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            SplittableRandom rng = root.split();
            double std;
            double constant = 0;
            if (name.equals("token_embedding.weight")) {
                std = 0.02;
            } else if (name.equals("positional_embedding")) {
                std = 0.01;
            } else if (name.endsWith("attn.qkv.weight")) {
                std = attnStd;
            } else if (name.endsWith("attn.proj.weight") || name.endsWith("mlp.fc2.weight")) {
                std = projStd;
            } else if (name.endsWith("mlp.fc1.weight")) {
                std = fcStd;
            } else if (name.equals("text_projection") || name.equals("text_projection.weight")) {
                std = attnStd;
            } else {
                std = 0; // biases, norms, layer scales
                if (name.endsWith(".gamma")) {
                    constant = config.lsInitValue() == null ? 1.0 : config.lsInitValue();
                } else if (name.endsWith(".weight")) {
                    constant = 1.0; // LayerNorm gains (every other weight is matched above)
                }
            }
            double[] v = new double[(int) p.value().length()];
            for (int i = 0; i < v.length; i++) {
                v[i] = std > 0 ? std * WeightInit.standardNormal(rng) : constant;
            }
            p.set(Nd4j.create(v, p.value().shape(), DataType.DOUBLE).castTo(p.value().dataType()));
        }
        return this;
    }

    /**
     * The position pooled for each text: the first position of the largest id ({@code argmax}, the
     * end-of-text token), {@code 0} ({@code first}) or the last position ({@code last}).
     */
    public int[] poolIndex(long[][] tokens) {
        return TokenRows.poolIndex(config, tokens);
    }

    private static void record(Trace trace, String name, INDArray value) {
        if (trace != null) {
            trace.record(name, value);
        }
    }

    /** Frees an intermediate's native memory now rather than at the next garbage collection. */
    private static void release(INDArray dead) {
        if (dead != null && !dead.isView() && dead.closeable()) {
            dead.close();
        }
    }
}
