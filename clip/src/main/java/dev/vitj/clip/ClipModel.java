package dev.vitj.clip;

import dev.vitj.clip.tokenizer.ClipTokenizer;
import dev.vitj.core.nn.Module;
import dev.vitj.core.nn.Parameter;
import dev.vitj.core.nn.WeightInit;
import dev.vitj.vit.ForwardOptions;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * CLIP (Radford et al. 2021, "Learning Transferable Visual Models From Natural Language Supervision"):
 * an image tower and a text tower that map images and texts into one embedding space, where matching
 * pairs have a high cosine similarity.
 *
 * <pre>
 *   image_features = visual(pixels)                 [B, E]   ViT; pooled token @ proj
 *   text_features  = text(tokens)                   [T, E]   causal Transformer; end-of-text token @ text_projection
 *   logits_per_image = exp(logit_scale) · normalize(image_features) · normalize(text_features)ᵀ   [B, T]
 *   logits_per_text  = logits_per_imageᵀ                                                           [T, B]
 * </pre>
 *
 * The image tower is a {@link VisionTransformer} configured the way open_clip builds it (see
 * {@link #visionConfig}): {@code ln_pre}, no patch-embedding bias, LayerNorm eps 1e-5, class-token or
 * average pooling, {@code ln_post} as the final norm, and open_clip's {@code proj} as the ViT's bias-free
 * head. Weights load from open_clip state dicts through the key map of {@link OpenClipKeys}; use
 * {@link OpenClip#load} to open a hub directory.
 *
 * <p>Parameter names: {@code visual.*} (VisionTransformer names), {@code text.*} ({@link TextTransformer}
 * names), {@code logit_scale [1]} (the log of the scale).
 *
 * <p>Large inputs are encoded {@value #BATCH} at a time, so memory stays bounded however many images or
 * texts are passed; activations are not kept.
 *
 * <p><b>Training.</b> In training mode ({@link #train(boolean) train(true)}), {@link #trainStep} runs CLIP's
 * objective on a batch of matching image-text pairs and back-propagates it into every parameter:
 * <pre>
 *   I = visual(pixels), T = text(tokens)            [B, E] each, one forward pass per tower
 *   Î = I / ‖I‖, T̂ = T / ‖T‖                          row-wise L2 normalisation
 *   loss = ClipLoss(Î, T̂, logit_scale)                symmetric cross-entropy over the B×B similarities
 *   dÎ, dT̂, d logit_scale                            from {@link ClipLoss}
 *   dI = (dÎ − Î·⟨Î, dÎ⟩) / ‖I‖                        {@link #normalizeBackward}; likewise dT
 *   visual.backward(dI), text.backward(dT)
 * </pre>
 * After each optimiser step the log scale is clamped to {@code [0, ln 100]} ({@link #clampLogitScale}), as
 * open_clip does. {@link #initWeights} gives a reproducible initialisation for training from scratch.
 */
public final class ClipModel extends Module implements TextEncoder {
    /** How many images or texts one forward pass takes at most. */
    public static final int BATCH = 32;

    private final OpenClipConfig config;
    private final VisionTransformer visual;
    private final TextTransformer text;
    private final Parameter logitScale; // [1], log space
    private final ClipTokenizer tokenizer; // may be null

    /**
     * The similarity matrices of a batch of images against a batch of texts.
     *
     * @param perImage {@code [B, T]}: {@code scale · cos(image b, text t)}
     * @param perText  {@code [T, B]}: its transpose
     */
    public record Logits(INDArray perImage, INDArray perText) {}

    /** A randomly initialised model without a tokenizer (texts must be given as token ids). */
    public ClipModel(OpenClipConfig config) {
        this(config, null);
    }

    /**
     * A randomly initialised model.
     *
     * @param tokenizer the tokenizer for {@link #encodeText(List)}; may be null
     */
    public ClipModel(OpenClipConfig config, ClipTokenizer tokenizer) {
        if (config == null) {
            throw new IllegalArgumentException("ClipModel: config is null");
        }
        this.config = config;
        this.tokenizer = tokenizer;
        this.visual = child("visual", new VisionTransformer(visionConfig(config)));
        this.text = child("text", new TextTransformer(config.text(), config.embedDim(), activation(config)));
        // open_clip's init: log(1 / 0.07)
        this.logitScale = parameter("logit_scale", Nd4j.createFromArray((float) Math.log(1 / 0.07)), false); // [1]
    }

    /** The MLP activation of both towers: {@code quick_gelu} (OpenAI's weights) or exact {@code gelu}. */
    static String activation(OpenClipConfig config) {
        return config.quickGelu() ? "quick_gelu" : "gelu";
    }

    /**
     * The {@link VitConfig} of open_clip's image tower: pre-norm ({@code ln_pre}), no patch bias, LayerNorm
     * eps from the config (1e-5), pooling {@code tok} → {@code "token"} / {@code avg} → {@code "avg"} (patch
     * tokens only), {@code ln_post} on every token or, with {@code final_ln_after_pool}, on the pooled
     * vector ({@code fc_norm}), and the projection {@code [width, embed_dim]} as a bias-free head.
     */
    public static VitConfig visionConfig(OpenClipConfig config) {
        OpenClipConfig.Vision v = config.vision();
        return new VitConfig(v.imageSize(), v.patchSize(), 3, v.width(), v.layers(), v.heads(), v.mlpRatio(),
                true, true, v.poolType().equals("avg") ? "avg" : "token", config.embedDim(), v.normEps(),
                activation(config), v.lnPre(), false, v.lsInitValue(), v.finalLnAfterPool(), false);
    }

    /** The configuration. */
    public OpenClipConfig config() {
        return config;
    }

    /** The image tower. */
    public VisionTransformer visual() {
        return visual;
    }

    /** The text tower. */
    public TextTransformer text() {
        return text;
    }

    /** The tokenizer, or null when the model was built without one. */
    public ClipTokenizer tokenizer() {
        return tokenizer;
    }

    /** The joint embedding dimension E. */
    public int embedDim() {
        return config.embedDim();
    }

    /** The learned temperature in log space, as stored ({@code logit_scale}). */
    public double logitScaleLog() {
        return logitScale.value().getDouble(0);
    }

    /** The factor the cosine similarities are multiplied by, {@code exp(logit_scale)} (100 for trained CLIPs). */
    public double logitScale() {
        return Math.exp(logitScaleLog());
    }

    /** Converts every parameter to {@code type}; returns this model. */
    @Override
    public ClipModel to(DataType type) {
        super.to(type);
        return this;
    }

    /**
     * Loads an open_clip state dict (keys as open_clip writes them, with or without the {@code text.}
     * prefix of {@code custom_text} models), strictly: every problem is reported, by open_clip key.
     *
     * @param source names the weights in error messages (e.g. the file)
     */
    public void loadOpenClipStateDict(Map<String, INDArray> state, String source) {
        new OpenClipKeys(config, OpenClipKeys.isCustomText(state.keySet())).load(this, "", state, source);
    }

    /** The learned log temperature as a parameter {@code [1]} (for optimisers and gradient checks). */
    public Parameter logitScaleParameter() {
        return logitScale;
    }

    /**
     * Clamps the log scale to {@code [0, ln 100]} ({@link ClipLoss#clampLogScale}); open_clip does this after
     * every optimiser step so the temperature cannot grow without bound.
     */
    public void clampLogitScale() {
        double v = logitScaleLog();
        double c = ClipLoss.clampLogScale(v);
        if (c != v) {
            logitScale.value().putScalar(0, c);
        }
    }

    /**
     * Re-initialises every parameter from {@code seed} for training from scratch, reproducibly:
     * <ul>
     *   <li>text tower: open_clip's scheme ({@link TextTransformer#initWeights});</li>
     *   <li>image tower: the transformer blocks and patch embedding as {@link VisionTransformer#initWeights}
     *       (truncated normal 0.02 for linear weights, PyTorch's default for the patch convolution), and the
     *       class embedding, position embedding and projection normal(0, width^-½) as open_clip's
     *       {@code VisionTransformer} sets them;</li>
     *   <li>{@code logit_scale = ln(1/0.07)}, CLIP's initial temperature 0.07.</li>
     * </ul>
     *
     * @return this model
     */
    public ClipModel initWeights(long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        visual.initWeights(root.nextLong());
        double scale = Math.pow(config.vision().width(), -0.5);
        for (Parameter p : new Parameter[] {visual.clsToken(), visual.posEmbed(), visual.head().weight()}) {
            SplittableRandom rng = root.split();
            if (p == null) {
                continue; // no class token
            }
            double[] v = new double[(int) p.value().length()];
            for (int i = 0; i < v.length; i++) {
                v[i] = scale * WeightInit.standardNormal(rng);
            }
            p.set(Nd4j.create(v, p.value().shape(), DataType.DOUBLE).castTo(p.value().dataType()));
        }
        text.initWeights(root.nextLong());
        logitScale.set(Nd4j.scalar(logitScale.value().dataType(), Math.log(1 / 0.07)).reshape(1));
        return this;
    }

    /** The weights as an open_clip state dict (open_clip's key names and layouts; the inverse of the loader). */
    public Map<String, INDArray> openClipStateDict() {
        return new OpenClipKeys(config, false).toOpenClipStateDict(stateDict());
    }

    // ---- training ----

    /**
     * Unnormalised features of a batch, each tower run once (no chunking), so that in training mode the
     * activations for {@link #backward} are cached.
     *
     * @param image {@code [B, E]}
     * @param text  {@code [T, E]}
     */
    public record Features(INDArray image, INDArray text) {}

    /** Image features {@code [B, E]} and text features {@code [T, E]} in one forward pass per tower. */
    public Features forwardFeatures(INDArray pixels, long[][] tokens) {
        if (pixels == null || pixels.rank() != 4) {
            throw new IllegalArgumentException("forwardFeatures: pixels shape "
                    + (pixels == null ? "null" : Arrays.toString(pixels.shape())) + ", expected [B, 3, "
                    + config.vision().imageSize() + ", " + config.vision().imageSize() + "]");
        }
        INDArray img = visual.forward(pixels, ForwardOptions.logitsOnly()).logits(); // [B, E]
        INDArray txt = text.forward(text.trimPadding(tokens), false, null).features(); // [T, E]
        return new Features(img, txt);
    }

    /**
     * Back-propagates dL/dimage features and dL/dtext features (unnormalised, as {@link #forwardFeatures}
     * returned them) through both towers, accumulating every parameter's gradient.
     */
    public void backward(INDArray gradImage, INDArray gradText) {
        close(visual.backward(gradImage)); // dL/dpixels is not needed
        text.backward(gradText);
    }

    /**
     * One training step's forward and backward pass on {@code B} matching pairs (image b goes with text b):
     * the contrastive loss of the normalised features at the current temperature, its gradient accumulated
     * into every parameter, {@code logit_scale} included. The model must be in training mode.
     *
     * @param pixels preprocessed images {@code [B, 3, S, S]}
     * @param tokens token ids {@code [B][L]}
     * @return the loss, the logits per image {@code [B, B]} and the gradients with respect to the normalised features
     */
    public ClipLoss.Result trainStep(INDArray pixels, long[][] tokens) {
        if (!isTraining()) {
            throw new IllegalStateException("trainStep: the model is in inference mode; call train(true) first");
        }
        if (tokens == null || pixels == null || pixels.rank() != 4 || pixels.size(0) != tokens.length) {
            throw new IllegalArgumentException("trainStep: " + (pixels == null ? "null" : Arrays.toString(pixels.shape()))
                    + " pixels for " + (tokens == null ? "null" : tokens.length) + " token rows; expected B images "
                    + "[B, 3, S, S] and B matching texts");
        }
        Features f = forwardFeatures(pixels, tokens);
        INDArray img = normalize(f.image()); // [B, E]
        INDArray txt = normalize(f.text()); // [B, E]
        ClipLoss.Result r = ClipLoss.compute(img, txt, logitScaleLog());
        INDArray gImg = normalizeBackward(f.image(), r.gradImage());
        INDArray gTxt = normalizeBackward(f.text(), r.gradText());
        backward(gImg, gTxt);
        if (!logitScale.frozen()) {
            logitScale.accumulate(Nd4j.scalar(logitScale.value().dataType(), r.gradLogScale()).reshape(1));
        }
        close(img);
        close(txt);
        close(gImg);
        close(gTxt);
        close(f.image());
        close(f.text());
        return r;
    }

    // ---- images ----

    /** Image features {@code [B, E]} (not normalised) for preprocessed pixels {@code [B, 3, S, S]}. */
    public INDArray encodeImage(INDArray pixels) {
        return encodeImage(pixels, false);
    }

    /**
     * Image features {@code [B, E]} for preprocessed pixels {@code [B, 3, S, S]}, L2-normalised when
     * {@code normalize}; {@value #BATCH} images per forward pass.
     */
    public INDArray encodeImage(INDArray pixels, boolean normalize) {
        if (pixels == null || pixels.rank() != 4) {
            throw new IllegalArgumentException("encodeImage: pixels shape "
                    + (pixels == null ? "null" : Arrays.toString(pixels.shape())) + ", expected [B, 3, "
                    + config.vision().imageSize() + ", " + config.vision().imageSize() + "]");
        }
        long n = pixels.size(0);
        if (n <= BATCH) {
            return finish(visual.forward(pixels, ForwardOptions.logitsOnly()).logits(), normalize);
        }
        INDArray out = Nd4j.create(visual.dataType(), n, config.embedDim()); // [B, E]
        for (long start = 0; start < n; start += BATCH) {
            long end = Math.min(n, start + BATCH);
            INDArray chunk = pixels.get(NDArrayIndex.interval(start, end), NDArrayIndex.all(), NDArrayIndex.all(),
                    NDArrayIndex.all()).dup('c');
            INDArray f = finish(visual.forward(chunk, ForwardOptions.logitsOnly()).logits(), normalize);
            out.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).assign(f);
            chunk.close();
            close(f);
        }
        return out;
    }

    // ---- texts ----

    /** Text features {@code [T, E]} (not normalised) for token ids {@code [T][L]}. */
    public INDArray encodeText(long[][] tokens) {
        return encodeText(tokens, false);
    }

    /** Text features {@code [T, E]} for token ids, L2-normalised when {@code normalize}; {@value #BATCH} per pass. */
    public INDArray encodeText(long[][] tokens, boolean normalize) {
        if (tokens == null || tokens.length == 0) {
            throw new IllegalArgumentException("encodeText: no token rows given");
        }
        if (tokens.length <= BATCH) {
            return finish(text.encode(tokens), normalize);
        }
        INDArray out = Nd4j.create(visual.dataType(), tokens.length, config.embedDim()); // [T, E]
        for (int start = 0; start < tokens.length; start += BATCH) {
            int end = Math.min(tokens.length, start + BATCH);
            INDArray f = finish(text.encode(Arrays.copyOfRange(tokens, start, end)), normalize);
            out.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).assign(f);
            close(f);
        }
        return out;
    }

    /** Text features {@code [T, E]} (not normalised), tokenized with the model's tokenizer. */
    public INDArray encodeText(List<String> texts) {
        return encodeText(texts, false);
    }

    /**
     * Text features {@code [T, E]}, tokenized with the model's tokenizer ({@value #BATCH} texts at a time),
     * L2-normalised when {@code normalize}.
     *
     * @throws IllegalStateException when the model has no tokenizer
     */
    public INDArray encodeText(List<String> texts, boolean normalize) {
        if (texts == null || texts.isEmpty()) {
            throw new IllegalArgumentException("encodeText: no texts given");
        }
        if (texts.size() <= BATCH) {
            return encodeText(tokenize(texts), normalize);
        }
        INDArray out = Nd4j.create(visual.dataType(), texts.size(), config.embedDim()); // [T, E]
        for (int start = 0; start < texts.size(); start += BATCH) {
            int end = Math.min(texts.size(), start + BATCH);
            INDArray f = encodeText(tokenize(texts.subList(start, end)), normalize);
            out.get(NDArrayIndex.interval(start, end), NDArrayIndex.all()).assign(f);
            close(f);
        }
        return out;
    }

    /** Token ids {@code [T][context length]} with the model's tokenizer. */
    public long[][] tokenize(List<String> texts) {
        if (tokenizer == null) {
            throw new IllegalStateException("this ClipModel has no tokenizer: load it with OpenClip.load(dir) from a "
                    + "directory with vocab.json + merges.txt (or pass a ClipTokenizer), or give token ids");
        }
        return tokenizer.tokenize(texts, config.text().contextLength());
    }

    /** {@link TextEncoder}: unnormalised text features, one row per text (for {@link ZeroShotClassifier}). */
    @Override
    public float[][] encode(List<String> texts) {
        INDArray f = encodeText(texts, false);
        float[][] rows = f.castTo(DataType.FLOAT).toFloatMatrix();
        close(f);
        return rows;
    }

    /** A zero-shot classifier over {@code classNames}, prompts built from {@code templates} ({@code {}} = the name). */
    public ZeroShotClassifier zeroShot(List<String> classNames, List<String> templates) {
        return ZeroShotClassifier.build(this, classNames, templates, logitScale());
    }

    // ---- similarity ----

    /** CLIP's forward pass: logits of every image against every text. */
    public Logits logits(INDArray pixels, long[][] tokens) {
        INDArray img = encodeImage(pixels, true);
        INDArray txt = encodeText(tokens, true);
        Logits l = logitsOfNormalized(img, txt);
        close(img);
        close(txt);
        return l;
    }

    /**
     * Logits from features {@code [B, E]} and {@code [T, E]} (normalised here):
     * {@code exp(logit_scale) · Î Tᵀ} and its transpose.
     */
    public Logits logits(INDArray imageFeatures, INDArray textFeatures) {
        return logitsOfNormalized(normalize(imageFeatures), normalize(textFeatures));
    }

    private Logits logitsOfNormalized(INDArray img, INDArray txt) {
        if (img.rank() != 2 || txt.rank() != 2 || img.size(1) != txt.size(1)) {
            throw new IllegalArgumentException("logits: image features " + Arrays.toString(img.shape())
                    + " and text features " + Arrays.toString(txt.shape()) + " must be [B, E] and [T, E]");
        }
        INDArray perImage = img.mmul(txt.transpose()).muli(logitScale()); // [B, T]
        return new Logits(perImage, perImage.transpose().dup('c')); // [T, B]
    }

    /** Rows divided by their L2 norm, {@code x / max(‖x‖, 1e-12)} (open_clip's {@code F.normalize}). */
    public static INDArray normalize(INDArray x) {
        if (x == null || x.rank() != 2) {
            throw new IllegalArgumentException("normalize: expected [rows, dim], got "
                    + (x == null ? "null" : Arrays.toString(x.shape())));
        }
        INDArray norms = Transforms.max(x.norm2(1), 1e-12, false).reshape(x.size(0), 1); // [rows, 1]
        return x.divColumnVector(norms);
    }

    /**
     * The backward pass of {@link #normalize}: with {@code y = x / n}, {@code n = max(‖x‖, 1e-12)} per row,
     * {@code dL/dx = (g − y·⟨y, g⟩) / n} (the gradient's component along x is removed, since scaling x does
     * not change y), or {@code g / 1e-12} for a row whose norm is below the floor.
     *
     * @param x     the rows that were normalised {@code [rows, dim]}
     * @param gradY dL/dy {@code [rows, dim]}
     */
    public static INDArray normalizeBackward(INDArray x, INDArray gradY) {
        if (x == null || gradY == null || x.rank() != 2 || !Arrays.equals(x.shape(), gradY.shape())) {
            throw new IllegalArgumentException("normalizeBackward: x " + (x == null ? "null" : Arrays.toString(x.shape()))
                    + " and gradY " + (gradY == null ? "null" : Arrays.toString(gradY.shape()))
                    + " must both be [rows, dim]");
        }
        INDArray g = gradY.castTo(x.dataType());
        long rows = x.size(0);
        double[] norms = x.norm2(1).toDoubleVector();
        double[] keep = new double[(int) rows]; // 1 where ‖x‖ is above the floor, else 0 (y is then x/1e-12, linear)
        double[] inv = new double[(int) rows];
        for (int i = 0; i < rows; i++) {
            keep[i] = norms[i] > 1e-12 ? 1 : 0;
            inv[i] = 1 / Math.max(norms[i], 1e-12);
        }
        INDArray invN = Nd4j.createFromArray(inv).castTo(x.dataType()).reshape(rows, 1); // [rows, 1]
        INDArray y = x.mulColumnVector(invN); // [rows, dim]
        INDArray dot = y.mul(g).sum(1).reshape(rows, 1) // [rows, 1]
                .muli(Nd4j.createFromArray(keep).castTo(x.dataType()).reshape(rows, 1));
        INDArray out = g.sub(y.muliColumnVector(dot)).muliColumnVector(invN);
        close(y);
        return out;
    }

    private static INDArray finish(INDArray features, boolean normalize) {
        if (!normalize) {
            return features;
        }
        INDArray n = normalize(features);
        close(features);
        return n;
    }

    private static void close(INDArray a) {
        if (a != null && !a.isView() && a.closeable()) {
            a.close();
        }
    }
}
