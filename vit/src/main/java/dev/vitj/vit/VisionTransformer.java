package dev.vitj.vit;

import dev.vitj.core.nn.Activation;
import dev.vitj.core.nn.Dropout;
import dev.vitj.core.nn.EncoderBlock;
import dev.vitj.core.nn.Layer;
import dev.vitj.core.nn.LayerNorm;
import dev.vitj.core.nn.Linear;
import dev.vitj.core.nn.Module;
import dev.vitj.core.nn.Parameter;
import dev.vitj.core.nn.PatchEmbedding;
import dev.vitj.core.nn.RandomSource;
import dev.vitj.core.nn.Trace;
import dev.vitj.core.nn.WeightInit;
import org.nd4j.linalg.api.buffer.DataBuffer;
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
 * The Vision Transformer of Dosovitskiy et al., "An Image is Worth 16x16 Words" (ICLR 2021), laid out
 * like timm's {@code VisionTransformer} so timm checkpoints load by name:
 *
 * <pre>
 *   x = patch_embed(pixels)                      [B, L, D]   L = (H/p)·(W/p) patches
 *   x = cat(cls_token, x) + pos_embed            [B, N, D]   N = L + 1 (class token at index 0)
 *   x = norm_pre(x)                              (only with preNorm, as CLIP's ln_pre)
 *   x = blocks[depth-1](...blocks[0](x))         pre-norm encoder blocks
 *   features = norm(x)                           forward_features
 *   pooled = fc_norm(pool(features))             pool: class token, or mean of the patch tokens
 *   logits = head(pooled)                        [B, C]
 * </pre>
 *
 * With {@code globalPool = "avg"} the final LayerNorm moves after pooling (timm's {@code fc_norm}):
 * {@code norm} is then absent, {@code features} are the raw block outputs, and the pooled vector is
 * {@code fc_norm(mean of the patch tokens)}, the class token excluded.
 *
 * <p>Parameter names: {@code cls_token [1,1,D]}, {@code pos_embed [1,N,D]}, {@code patch_embed.proj.weight
 * [D,C,p,p]}, {@code patch_embed.proj.bias}, {@code norm_pre.*}, {@code blocks.{i}.norm1/attn.qkv/attn.proj/
 * ls1.gamma/norm2/mlp.fc1/mlp.fc2/ls2.gamma}, {@code norm.*}, {@code fc_norm.*}, {@code head.weight/bias}.
 *
 * <p>Inference keeps nothing: the activations of one block are released as soon as the next block has
 * consumed them, unless they were asked for ({@link ForwardOptions}).
 *
 * <p>Training ({@link #train(boolean) train(true)}): every layer caches what its backward pass needs, the
 * regularisation of the config is active (dropout {@code pos_drop} after the position embedding, dropout
 * and stochastic depth inside the blocks, {@code head_drop} before the head; masks drawn from
 * {@link #randomSource()}), and {@link #backward} runs the whole pass in reverse, from the deepest stage the
 * latest forward pass reached (logits, pooled vector or token features) down to the pixels.
 */
public final class VisionTransformer extends Module implements Layer {
    private final VitConfig config;
    private final Parameter clsToken; // [1, 1, D] or null
    private final Parameter posEmbed; // [1, N, D]
    private final PatchEmbedding patchEmbed;
    private final LayerNorm normPre; // or null
    private final List<EncoderBlock> blocks;
    private final LayerNorm norm; // or null (fc_norm used instead)
    private final LayerNorm fcNorm; // or null
    private final Linear head; // or null (numClasses == 0)
    private final RandomSource random = new RandomSource(0); // masks of every dropout and drop-path
    private final Dropout posDrop;
    private final Dropout headDrop;

    /** How far the latest training-mode forward pass went, i.e. where {@link #backward} starts. */
    private enum Stage { NONE, FEATURES, POOLED, LOGITS }

    private Stage stage = Stage.NONE;
    private long cachedBatch; // training: batch size of the latest forward pass

    /** The numbered list of blocks, a child called {@code blocks} so names read {@code blocks.3.attn...}. */
    private static final class Blocks extends Module {
        EncoderBlock add(int i, EncoderBlock b) {
            return child(Integer.toString(i), b);
        }
    }

    /** A randomly initialised model (timm's init for the embeddings; the layers' own init otherwise). */
    public VisionTransformer(VitConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("VisionTransformer: config is null");
        }
        this.config = config;
        int d = config.embedDim();
        // timm: cls_token ~ N(0, 1e-6), pos_embed ~ N(0, 0.02); neither takes weight decay
        this.clsToken = config.classToken()
                ? parameter("cls_token", new long[] {1, 1, d}, shape -> normal(shape, 1e-6), false) // [1, 1, D]
                : null;
        this.posEmbed = parameter("pos_embed", new long[] {1, config.seqLen(), d}, shape -> normal(shape, 0.02),
                false); // [1, N, D]
        this.patchEmbed = child("patch_embed", new PatchEmbedding(config.inChans(), config.patchSize(), d,
                config.patchBias()));
        this.posDrop = child("pos_drop", new Dropout(config.posDropRate(), random));
        this.normPre = config.preNorm() ? child("norm_pre", new LayerNorm(d, config.normEps())) : null;
        Blocks list = child("blocks", new Blocks());
        List<EncoderBlock> bs = new ArrayList<>(config.depth());
        Activation act = Activation.of(config.activation());
        for (int i = 0; i < config.depth(); i++) {
            // stochastic depth grows linearly with depth (timm's dpr rule)
            EncoderBlock.Drop drop = new EncoderBlock.Drop(config.projDropRate(), config.attnDropRate(),
                    config.dropPathRate(i));
            bs.add(list.add(i, new EncoderBlock(d, config.numHeads(), config.mlpRatio(), config.qkvBias(), act,
                    config.normEps(), config.layerScaleInit(), drop, random)));
        }
        this.blocks = Collections.unmodifiableList(bs);
        boolean fc = config.usesFcNorm();
        this.norm = fc ? null : child("norm", new LayerNorm(d, config.normEps()));
        this.fcNorm = fc ? child("fc_norm", new LayerNorm(d, config.normEps())) : null;
        this.headDrop = child("head_drop", new Dropout(config.dropRate(), random));
        this.head = config.numClasses() > 0 ? child("head", new Linear(d, config.numClasses(), config.headBias())) : null;
    }

    private static INDArray normal(long[] shape, double std) {
        return Nd4j.randn(DataType.FLOAT, shape).muli(std);
    }

    /** The configuration this model was built from. */
    public VitConfig config() {
        return config;
    }

    /** The encoder blocks, in order. */
    public List<EncoderBlock> blocks() {
        return blocks;
    }

    /** The patch embedding. */
    public PatchEmbedding patchEmbed() {
        return patchEmbed;
    }

    /** The classifier head, or null when {@code numClasses == 0}. */
    public Linear head() {
        return head;
    }

    /** The class token {@code [1, 1, D]}, or null without one. */
    public Parameter clsToken() {
        return clsToken;
    }

    /** The learned position embedding {@code [1, N, D]} (index 0 is the class token's position when there is one). */
    public Parameter posEmbed() {
        return posEmbed;
    }

    /**
     * The source of every dropout and drop-path mask of this model. Seed it ({@link RandomSource#setState})
     * for a reproducible training run; a trainer saves and restores its state.
     */
    public RandomSource randomSource() {
        return random;
    }

    /** Initialisation schemes for training from scratch, timm's {@code init_weights(mode)}. */
    public enum Init {
        /**
         * timm's default (mode ""): linear weights (qkv, proj, fc1, fc2, head) normal(0, 0.02) truncated to
         * [-2, 2], their biases 0; the patch-embedding convolution keeps PyTorch's default
         * {@code U(-1/√fan_in, 1/√fan_in)} for kernel and bias.
         */
        TIMM,
        /**
         * The original ViT's JAX/Flax initialisation (timm mode "jax"): linear weights Xavier-uniform
         * ({@code U(±√(6/(fan_in+fan_out)))}), MLP biases normal(0, 1e-6), other biases 0, the head all zeros, the
         * patch-embedding kernel LeCun-normal (std {@code √(1/fan_in)}, truncated at two standard deviations and
         * rescaled to keep that variance) with a zero bias. Larger weights than TIMM's 0.02: a small model starts
         * learning sooner.
         */
        JAX
    }

    /** {@link #initWeights(long, Init)} with timm's default scheme. */
    public VisionTransformer initWeights(long seed) {
        return initWeights(seed, Init.TIMM);
    }

    /**
     * Re-initialises every parameter from {@code seed} with {@code scheme}. Common to both schemes (as timm):
     * {@code pos_embed} normal(0, 0.02) truncated to [-2, 2], {@code cls_token} normal(0, 1e-6), LayerNorm gains 1
     * and shifts 0, layer-scale gains their init value. Each parameter draws from its own stream, split in
     * {@link #namedParameters()} order off a generator seeded with {@code seed}, so the result depends only on the
     * seed, the scheme and the configuration.
     *
     * @return this model
     */
    public VisionTransformer initWeights(long seed, Init scheme) {
        if (scheme == null) {
            throw new IllegalArgumentException("VisionTransformer.initWeights: scheme is null");
        }
        boolean jax = scheme == Init.JAX;
        SplittableRandom root = new SplittableRandom(seed);
        for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            SplittableRandom rng = root.split();
            long[] shape = p.value().shape();
            double[] v = new double[(int) p.value().length()];
            if (name.equals("cls_token")) {
                fillNormal(v, rng, 1e-6, Double.POSITIVE_INFINITY);
            } else if (name.equals("pos_embed")) {
                fillNormal(v, rng, 0.02, 2.0);
            } else if (name.startsWith("patch_embed.")) {
                double fanIn = (double) config.inChans() * config.patchSize() * config.patchSize();
                if (!jax) {
                    double bound = 1.0 / Math.sqrt(fanIn);
                    for (int i = 0; i < v.length; i++) {
                        v[i] = rng.nextDouble(-bound, bound);
                    }
                } else if (name.endsWith(".weight")) {
                    // 0.8796... is the std of a standard normal truncated to [-2, 2]
                    double std = Math.sqrt(1.0 / fanIn) / 0.87962566103423978;
                    fillNormal(v, rng, std, 2 * std);
                } // jax: bias 0
            } else if (name.endsWith(".gamma")) {
                java.util.Arrays.fill(v, config.layerScaleInit() == null ? 1.0 : config.layerScaleInit());
            } else if (isNormParameter(name)) {
                java.util.Arrays.fill(v, name.endsWith(".weight") ? 1.0 : 0.0);
            } else if (name.startsWith("head.")) {
                if (!jax && name.endsWith(".weight")) {
                    fillNormal(v, rng, 0.02, 2.0);
                } // jax: weight and bias 0; timm: bias 0
            } else if (name.endsWith(".weight")) { // the linear layers of the blocks: [out, in]
                if (jax) {
                    double bound = Math.sqrt(6.0 / (shape[0] + shape[1]));
                    for (int i = 0; i < v.length; i++) {
                        v[i] = rng.nextDouble(-bound, bound);
                    }
                } else {
                    fillNormal(v, rng, 0.02, 2.0);
                }
            } else if (jax && name.contains(".mlp.")) {
                fillNormal(v, rng, 1e-6, Double.POSITIVE_INFINITY); // MLP biases
            } // other linear biases stay 0
            p.set(Nd4j.create(v, shape, DataType.DOUBLE).castTo(p.value().dataType()));
        }
        return this;
    }

    private static boolean isNormParameter(String name) {
        return name.startsWith("norm.") || name.startsWith("fc_norm.") || name.startsWith("norm_pre.")
                || name.contains(".norm1.") || name.contains(".norm2.");
    }

    /** Normal(0, std) samples, each redrawn until it lies in [-bound, bound] (torch's trunc_normal_ bounds). */
    private static void fillNormal(double[] v, SplittableRandom rng, double std, double bound) {
        for (int i = 0; i < v.length; i++) {
            double x;
            do {
                x = std * WeightInit.standardNormal(rng);
            } while (Math.abs(x) > bound);
            v[i] = x;
        }
    }

    /** Converts every parameter to {@code type} (DOUBLE for reference-precision runs); returns this model. */
    @Override
    public VisionTransformer to(DataType type) {
        super.to(type);
        return this;
    }

    /** The parameter type (FLOAT unless converted with {@link #to(DataType)}). */
    public DataType dataType() {
        return posEmbed.value().dataType();
    }

    // ---- the forward pass in stages ----

    /**
     * Token features after the final norm, {@code [B, C, H, W] -> [B, N, D]} (timm's {@code forward_features};
     * without the final norm when it moved to {@code fc_norm}).
     */
    public INDArray forwardFeatures(INDArray pixels) {
        return encode(pixels, null, null, true);
    }

    /**
     * Pools token features to one vector per image, then applies {@code fc_norm} if present:
     * {@code [B, N, D] -> [B, D]} for {@code "token"} (the class token) and {@code "avg"} (mean of the
     * patch tokens, class token excluded); {@code ""} keeps every token, {@code [B, N, D]}.
     */
    public INDArray pool(INDArray features) {
        int n = config.seqLen();
        if (features == null || features.rank() != 3 || features.size(1) != n || features.size(2) != config.embedDim()) {
            throw new IllegalArgumentException("VisionTransformer.pool: features shape "
                    + (features == null ? "null" : Arrays.toString(features.shape())) + ", expected [B, " + n + ", "
                    + config.embedDim() + "]");
        }
        INDArray pooled = switch (config.globalPool()) {
            case "token" -> features.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).dup('c'); // [B, D]
            case "avg" -> features.get(NDArrayIndex.all(), NDArrayIndex.interval(config.numPrefixTokens(), n),
                    NDArrayIndex.all()).mean(1); // [B, D]
            default -> features; // "": no pooling, [B, N, D]
        };
        advance(Stage.POOLED, features.size(0));
        return fcNorm == null ? pooled : fcNorm.forward(pooled);
    }

    /**
     * The classifier, {@code [B, D] -> [B, C]} (per token, {@code [B, N, D] -> [B, N, C]}, with
     * {@code globalPool ""}); the identity when the model has no head.
     */
    public INDArray forwardHead(INDArray pooled) {
        if (pooled == null) {
            throw new IllegalArgumentException("VisionTransformer.forwardHead: pooled features are null");
        }
        advance(Stage.LOGITS, pooled.size(0));
        INDArray x = headDrop.forward(pooled); // the identity at inference
        return head == null ? x : head.forward(x);
    }

    /** Training mode: records that the forward pass reached {@code next}. */
    private void advance(Stage next, long batch) {
        if (isTraining()) {
            stage = next;
            cachedBatch = batch;
        }
    }

    /**
     * Back-propagates through the latest training-mode forward pass: accumulates the gradient of every
     * parameter and returns dL/dpixels {@code [B, C, H, W]}.
     *
     * <p>{@code gradOut} is dL/d(the output of the deepest stage that pass reached): the logits {@code [B, C]}
     * after {@link #forward(INDArray)} or {@link #forwardHead} (the pooled features when there is no head),
     * the pooled features after {@link #pool}, the token features {@code [B, N, D]} after
     * {@link #forwardFeatures}. The stages in reverse:
     * <pre>
     *   head, head_drop         Linear and Dropout backward
     *   fc_norm                 LayerNorm backward (avg pooling)
     *   pool                    "token": the gradient goes to token 0, zeros elsewhere;
     *                           "avg":   each patch token gets 1/L of it, the class token none
     *   norm                    LayerNorm backward (token pooling)
     *   blocks                  last to first
     *   norm_pre, pos_drop
     *   + pos_embed             dL/dpos_embed = Σ_batch dL/dx                  [1, N, D]
     *   cat(cls_token, ...)     dL/dcls_token = Σ_batch dL/dx[:, 0]            [1, 1, D]
     *   patch_embed             on the patch tokens' gradient dL/dx[:, 1:]
     * </pre>
     * Each forward pass supports one backward pass.
     *
     * @throws IllegalStateException when there was no training-mode forward pass
     */
    @Override
    public INDArray backward(INDArray gradOut) {
        Stage from = stage;
        if (from == Stage.NONE) {
            throw new IllegalStateException("VisionTransformer.backward: nothing cached; call train(true) and run a "
                    + "forward pass that reaches the features, pooled vector or logits first");
        }
        if (gradOut == null) {
            throw new IllegalArgumentException("VisionTransformer.backward: gradOut is null");
        }
        stage = Stage.NONE;
        long b = cachedBatch;
        INDArray g = gradOut.dataType() == dataType() ? gradOut : gradOut.castTo(dataType());
        if (from == Stage.LOGITS) {
            if (head != null) {
                g = head.backward(g);
            }
            g = headDrop.backward(g);
        }
        if (from == Stage.LOGITS || from == Stage.POOLED) {
            if (fcNorm != null) {
                g = fcNorm.backward(g);
            }
            g = unpool(g, b);
        }
        expectShape("token features", g, b, config.seqLen(), config.embedDim());
        if (norm != null) {
            g = norm.backward(g);
        }
        for (int i = blocks.size() - 1; i >= 0; i--) {
            g = blocks.get(i).backward(g);
        }
        if (normPre != null) {
            g = normPre.backward(g);
        }
        g = posDrop.backward(g); // [B, N, D], dL/d(cat(cls, patches) + pos_embed)
        posEmbed.accumulate(g.sum(true, 0)); // [1, N, D]
        int prefix = config.numPrefixTokens();
        if (clsToken != null) {
            clsToken.accumulate(g.get(NDArrayIndex.all(), NDArrayIndex.interval(0, prefix), NDArrayIndex.all())
                    .sum(true, 0)); // [1, 1, D]
        }
        INDArray gPatches = g.get(NDArrayIndex.all(), NDArrayIndex.interval(prefix, config.seqLen()), NDArrayIndex.all())
                .dup('c'); // [B, L, D]
        return patchEmbed.backward(gPatches);
    }

    /** The pooling's backward pass: {@code [B, D]} (or {@code [B, N, D]} without pooling) to {@code [B, N, D]}. */
    private INDArray unpool(INDArray g, long b) {
        int n = config.seqLen();
        int d = config.embedDim();
        int prefix = config.numPrefixTokens();
        return switch (config.globalPool()) {
            case "token" -> {
                expectShape("pooled features", g, b, d);
                INDArray out = Nd4j.zeros(g.dataType(), b, n, d); // [B, N, D]
                out.get(NDArrayIndex.all(), NDArrayIndex.point(0), NDArrayIndex.all()).assign(g);
                yield out;
            }
            case "avg" -> {
                expectShape("pooled features", g, b, d);
                INDArray out = Nd4j.zeros(g.dataType(), b, n, d); // [B, N, D]
                INDArray share = g.div(n - prefix).reshape('c', b, 1, d); // [B, 1, D], each patch token's part
                out.get(NDArrayIndex.all(), NDArrayIndex.interval(prefix, n), NDArrayIndex.all())
                        .assign(share.broadcast(b, n - prefix, d));
                yield out;
            }
            default -> g; // no pooling
        };
    }

    private static void expectShape(String what, INDArray g, long... shape) {
        if (!Arrays.equals(g.shape(), shape)) {
            throw new IllegalArgumentException("VisionTransformer.backward: gradient of the " + what + " has shape "
                    + Arrays.toString(g.shape()) + ", expected " + Arrays.toString(shape)
                    + " (the shape of the latest forward output)");
        }
    }

    @Override
    protected void clearCache() {
        stage = Stage.NONE;
    }

    /** Logits {@code [B, numClasses]} for pixels {@code [B, C, H, W]} (preprocessed, {@code H = W = imgSize}). */
    @Override
    public INDArray forward(INDArray pixels) {
        return forward(pixels, ForwardOptions.logitsOnly()).logits();
    }

    /**
     * One forward pass returning what {@code opts} asks for: features, pooled features, logits, each
     * layer's attention probabilities {@code [B, heads, N, N]} (the very probabilities used to compute
     * the output), and named intermediates. Only the stages needed are run.
     */
    public ViTOutput forward(INDArray pixels, ForwardOptions opts) {
        if (opts == null) {
            throw new IllegalArgumentException("VisionTransformer.forward: options are null (use ForwardOptions.logitsOnly())");
        }
        if (!(opts.features() || opts.pooled() || opts.logits() || opts.attention() || opts.intermediates())) {
            throw new IllegalArgumentException("VisionTransformer.forward: the options ask for nothing " + opts);
        }
        Map<String, INDArray> inter = opts.intermediates() ? new LinkedHashMap<>() : null;
        Trace trace = inter == null ? null : Trace.into(inter);
        List<INDArray> attn = opts.attention() ? new ArrayList<>(config.depth()) : null;
        boolean keepAll = inter != null || isTraining();
        boolean wantLogits = opts.logits() || inter != null;
        boolean wantPooled = opts.pooled() || wantLogits;
        boolean wantFeatures = opts.features() || wantPooled;

        INDArray features = encode(pixels, attn, trace, wantFeatures);
        if (!wantFeatures) {
            // only the attention was asked for: the last block's output is not needed
            if (!keepAll) {
                release(features, null);
            }
            return new ViTOutput(null, null, null, attn, inter);
        }
        INDArray pooled = null;
        INDArray logits = null;
        if (wantPooled) {
            pooled = pool(features);
            record(trace, "pre_logits", pooled);
            if (!opts.features() && !keepAll) {
                release(features, pooled);
            }
            if (wantLogits) {
                logits = forwardHead(pooled);
                record(trace, "logits", logits);
                if (!opts.pooled() && !keepAll) {
                    release(pooled, logits);
                }
            }
        }
        return new ViTOutput(opts.features() || inter != null ? features : null,
                opts.pooled() || inter != null ? pooled : null,
                wantLogits ? logits : null, attn, inter);
    }

    /**
     * Embeddings, blocks and (if {@code finalNorm}) the final norm {@code norm}. Collects each block's
     * attention into {@code attn} when not null and hands intermediates to {@code trace} when not null.
     */
    private INDArray encode(INDArray pixels, List<INDArray> attn, Trace trace, boolean finalNorm) {
        checkPixels(pixels);
        boolean keep = trace != null || isTraining(); // someone holds on to the intermediates
        INDArray patches = patchEmbed.forward(pixels); // [B, L, D]
        record(trace, "patch_embed", patches);
        INDArray x = embed(patches); // [B, N, D]
        if (!keep) {
            release(patches, x);
        }
        record(trace, "pos_embed_out", x);
        x = posDrop.forward(x); // the identity at inference
        if (normPre != null) {
            INDArray y = normPre.forward(x);
            record(trace, "norm_pre", y);
            if (!keep) {
                release(x, y);
            }
            x = y;
        }
        for (int i = 0; i < blocks.size(); i++) {
            EncoderBlock.Output o = blocks.get(i).forward(x, null, attn != null,
                    trace == null ? null : trace.prefixed("blocks." + i + "."));
            if (attn != null) {
                attn.add(o.probs()); // [B, heads, N, N]
            }
            if (!keep) {
                release(x, o.out());
            }
            x = o.out();
        }
        if (finalNorm) {
            advance(Stage.FEATURES, pixels.size(0));
        } else if (isTraining()) {
            stage = Stage.NONE; // the blocks ran but not the final norm: nothing to back-propagate from
        }
        if (!finalNorm || norm == null) {
            if (finalNorm) {
                record(trace, "forward_features", x);
            }
            return x;
        }
        INDArray features = norm.forward(x);
        record(trace, "forward_features", features);
        if (!keep) {
            release(x, features);
        }
        return features;
    }

    /** Prepends the class token and adds the position embedding: {@code [B, L, D] -> [B, N, D]}. */
    private INDArray embed(INDArray patches) {
        long b = patches.size(0);
        int n = config.seqLen();
        int d = config.embedDim();
        int prefix = config.numPrefixTokens();
        INDArray x = Nd4j.createUninitialized(patches.dataType(), b, n, d); // [B, N, D]
        if (clsToken != null) {
            x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, prefix), NDArrayIndex.all())
                    .assign(clsToken.value().broadcast(b, 1, d));
        }
        x.get(NDArrayIndex.all(), NDArrayIndex.interval(prefix, n), NDArrayIndex.all()).assign(patches);
        // pos_embed covers the class token position too (timm's default, no_embed_class = False)
        return x.addi(posEmbed.value().broadcast(b, n, d));
    }

    private void checkPixels(INDArray pixels) {
        if (pixels == null || pixels.rank() != 4 || pixels.size(0) < 1 || pixels.size(1) != config.inChans()
                || pixels.size(2) != config.imgSize() || pixels.size(3) != config.imgSize()) {
            throw new IllegalArgumentException("VisionTransformer: pixels shape "
                    + (pixels == null ? "null" : Arrays.toString(pixels.shape())) + ", expected [B, "
                    + config.inChans() + ", " + config.imgSize() + ", " + config.imgSize() + "] (B >= 1)");
        }
        if (!pixels.dataType().isFPType()) {
            throw new IllegalArgumentException("VisionTransformer: pixels must be floating point, got "
                    + pixels.dataType());
        }
    }

    private static void record(Trace trace, String name, INDArray value) {
        if (trace != null) {
            trace.record(name, value);
        }
    }

    /**
     * Frees the native memory of an intermediate that nothing refers to any more, now rather than at the
     * next garbage collection. {@code survivor} is the array computed from it that lives on; when the two
     * share a buffer (a reshape or an in-place result), nothing is freed.
     */
    private static void release(INDArray dead, INDArray survivor) {
        if (dead == null || dead == survivor || dead.isView() || !dead.closeable()) {
            return;
        }
        if (survivor != null && root(survivor) == root(dead)) {
            return;
        }
        dead.close();
    }

    /** The buffer that owns an array's memory (a reshaped view's data is a wrapper around it). */
    private static DataBuffer root(INDArray a) {
        DataBuffer d = a.data();
        while (d.underlyingDataBuffer() != null && d.underlyingDataBuffer() != d) {
            d = d.underlyingDataBuffer();
        }
        return d;
    }
}
