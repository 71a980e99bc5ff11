package dev.vitj.clip.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vitj.clip.ClipModel;
import dev.vitj.clip.OpenClip;
import dev.vitj.clip.OpenClipConfig;
import dev.vitj.clip.tokenizer.BpeTrainer;
import dev.vitj.clip.tokenizer.ClipTokenizer;
import dev.vitj.core.data.CenterCrop;
import dev.vitj.core.data.DataLoader;
import dev.vitj.core.data.Dataset;
import dev.vitj.core.data.Normalize;
import dev.vitj.core.data.Resize;
import dev.vitj.core.data.ShapesDataset;
import dev.vitj.core.data.Transform;
import dev.vitj.core.optim.AdamW;
import dev.vitj.core.train.DatasetSplit;
import dev.vitj.core.train.History;
import dev.vitj.core.train.Trainer;
import dev.vitj.core.train.TrainingRecipe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The CLIP recipe from scratch, from image-caption pairs to an OpenCLIP model directory that {@link OpenClip#load}
 * (and so {@code vitj zero-shot / retrieve / embed-image / embed-text}) opens:
 * <ol>
 *   <li>data: the synthetic {@link ShapesDataset} (captions such as "a large red circle in the top left", train and
 *       validation splits from disjoint random streams, captions shortened at random by
 *       {@link ShapesCaptionDropout}; zero-shot validation over the five shapes), or a caption folder
 *       ({@link CaptionedImages}: {@code DIR/captions.csv}; validation pairs from {@code DIR/val/captions.csv} when
 *       present, else a seeded random {@link #valFraction} of the rows; zero-shot validation over its labels when it
 *       has a label column); images resized and centre-cropped to the model's size, no image augmentation
 *       (a flip or crop could contradict the caption);</li>
 *   <li>tokenizer: a byte-level BPE vocabulary learned from the training captions ({@link BpeTrainer}), written as
 *       {@code vocab.json} + {@code merges.txt}: the model carries its own vocabulary;</li>
 *   <li>model: an {@link OpenClipConfig} architecture ({@link #preset}) with the learned vocabulary's size,
 *       initialised by {@link ClipModel#initWeights}; the temperature starts at 0.07;</li>
 *   <li>AdamW with open_clip's betas (0.9, 0.98) and eps 1e-6 (no weight decay on norms, biases, position
 *       embeddings and the temperature), linear warmup then cosine decay per step, gradient-norm clipping, the
 *       symmetric contrastive loss ({@link ContrastiveTask}), the log temperature clamped at ln 100 after each step,
 *       early stopping on the validation zero-shot accuracy (or validation loss without labels);</li>
 *   <li>output: the OpenCLIP directory of the best epoch ({@code open_clip_config.json},
 *       {@code open_clip_model.safetensors} with open_clip's key names, {@code vocab.json}, {@code merges.txt}),
 *       {@value #ARGS}, {@code history.json}, {@code training_curves.png}, {@code checkpoints/last|best}.</li>
 * </ol>
 * Settings are chained setters, validated at once (those every recipe has in {@link TrainingRecipe}, among them
 * {@link #data}); {@link #run} trains.
 */
public final class ClipTraining extends TrainingRecipe<ClipTraining> {
    /** The zero-shot prompt of the shapes: the shortest caption form the model is trained on. */
    public static final List<String> SHAPES_TEMPLATES = List.of("a {}");
    /** open_clip's baseline prompt, for caption folders. */
    public static final List<String> DEFAULT_TEMPLATES = List.of("a photo of a {}.");
    /** The built-in architectures for training from scratch ({@link #preset}). */
    public static final List<String> PRESETS = List.of("shapes-tiny", "shapes-small");

    /**
     * The result of a run.
     *
     * @param history the per-epoch numbers
     * @param model   the best epoch's model as written to the output folder, in inference mode
     * @param out     the output folder (an OpenCLIP model directory)
     */
    public record Result(History history, ClipModel model, Path out) {}

    private OpenClipConfig model;
    private int vocabSize = 1000;
    private double captionDropout = 0.75;
    private List<String> templates;

    /** The defaults: the shapes, learning rate 2e-3, weight decay 0.1, 1 warmup epoch. */
    public ClipTraining() {
        super("a caption folder", 2e-3, 0.1, 1);
    }

    /**
     * A built-in architecture for training from scratch, for a given vocabulary size (replaced by the learned
     * vocabulary's at training time). Both towers use exact GELU, and the text tower open_clip's causal mask and
     * end-of-text pooling; the evaluation transform is {@link #preprocess}.
     * <ul>
     *   <li>{@code shapes-tiny}, the fastest to train: 32 px, patch 8; vision width 64, 2 blocks of 4 heads, MLP
     *       ratio 2, the image embedding the mean of the patch tokens ({@code pool_type avg}) and no {@code ln_pre}
     *       (both make a tiny ViT pick up shapes in far fewer steps); text width 64, 1 block of 4 heads, context
     *       16 (a shapes caption has at most 10 tokens); embedding 64;</li>
     *   <li>{@code shapes-small}, the embedded default model of {@code vitj demo}: 64 px, patch 8 (an 8x8 grid, so
     *       attention maps can localise; small objects are 13 pixels across instead of 6); vision width 64, 3
     *       blocks of 4 heads, MLP ratio 2, with {@code ln_pre} and class-token pooling as open_clip's ViTs (the
     *       class token's attention is what the demo's maps and rollout show, so it must be trained); text width
     *       64, 2 blocks of 4 heads, context 16; embedding 64;</li>
     *   <li>an open_clip name ({@code ViT-B-32}, {@code ViT-B-16}, ...; {@link OpenClipConfig#preset}).</li>
     * </ul>
     */
    public static OpenClipConfig preset(String name, int vocabSize) {
        return switch (name) {
            case "shapes-tiny" -> new OpenClipConfig(64, false,
                    new OpenClipConfig.Vision(32, 8, 64, 2, 16, 2.0, null, "avg", false, false, 1e-5),
                    new OpenClipConfig.Text(16, vocabSize, 64, 4, 1, 2.0, null, "argmax", true, false, false, 1e-5),
                    preprocess(32));
            case "shapes-small" -> new OpenClipConfig(64, false,
                    new OpenClipConfig.Vision(64, 8, 64, 3, 16, 2.0, null, "tok", false, true, 1e-5),
                    new OpenClipConfig.Text(16, vocabSize, 64, 4, 2, 2.0, null, "argmax", true, false, false, 1e-5),
                    preprocess(64));
            default -> {
                if (!name.startsWith("ViT-")) {
                    throw new IllegalArgumentException("unknown preset '" + name + "' (known: " + PRESETS
                            + ", or an open_clip name such as ViT-B-32)");
                }
                OpenClipConfig c = OpenClipConfig.preset(name);
                yield withVocabulary(c, vocabSize).withPreprocess(preprocess(c.vision().imageSize()));
            }
        };
    }

    /**
     * The evaluation transform of a model trained here: shorter side to {@code size} (bilinear, as the training
     * pipeline's {@link Resize}), centre crop, OpenAI's mean and std (the training normalisation).
     */
    public static OpenClipConfig.Preprocess preprocess(int size) {
        return new OpenClipConfig.Preprocess(size, OpenClipConfig.OPENAI_MEAN.clone(), OpenClipConfig.OPENAI_STD.clone(),
                "bilinear", "shortest");
    }

    /** {@code config} with another image size (the patch size must divide it); its preprocessing follows. */
    public static OpenClipConfig withImageSize(OpenClipConfig c, int size) {
        OpenClipConfig.Vision v = c.vision();
        OpenClipConfig.Vision nv = new OpenClipConfig.Vision(size, v.patchSize(), v.width(), v.layers(), v.headWidth(),
                v.mlpRatio(), v.lsInitValue(), v.poolType(), v.finalLnAfterPool(), v.lnPre(), v.normEps());
        OpenClipConfig.Preprocess p = c.preprocess();
        return new OpenClipConfig(c.embedDim(), c.quickGelu(), nv, c.text(), new OpenClipConfig.Preprocess(size,
                p.mean(), p.std(), p.interpolation(), p.resizeMode()));
    }

    /** {@code config} with another vocabulary size (a BPE run may stop short of its target). */
    public static OpenClipConfig withVocabulary(OpenClipConfig c, int vocab) {
        OpenClipConfig.Text t = c.text();
        return new OpenClipConfig(c.embedDim(), c.quickGelu(), c.vision(), new OpenClipConfig.Text(t.contextLength(),
                vocab, t.width(), t.heads(), t.layers(), t.mlpRatio(), t.lsInitValue(), t.poolType(), t.causalMask(),
                t.projBias(), t.finalLnAfterPool(), t.normEps()), c.preprocess());
    }

    // ---- settings ----

    /** The architecture (its vocabulary size is replaced by the learned vocabulary's); null for {@code shapes-tiny}. */
    public ClipTraining model(OpenClipConfig config) {
        this.model = config;
        return this;
    }

    /** Target size of the BPE vocabulary, at least 514 (512 byte tokens and the two specials). */
    public ClipTraining vocabSize(int n) {
        if (n < BpeTrainer.MIN_VOCAB_SIZE) {
            throw new IllegalArgumentException("vocabulary size must be at least " + BpeTrainer.MIN_VOCAB_SIZE
                    + " (512 byte tokens and 2 specials), got " + n);
        }
        this.vocabSize = n;
        return this;
    }

    /** Pairs per batch, at least 2: each pair is contrasted with the others of its batch. */
    @Override
    public ClipTraining batchSize(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("batch size must be at least 2 (pairs are contrasted within a batch), got "
                    + n);
        }
        return super.batchSize(n);
    }

    /** Shapes only: the {@link ShapesCaptionDropout} probability (0: full captions). */
    public ClipTraining captionDropout(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("caption dropout must be in [0, 1], got " + p);
        }
        this.captionDropout = p;
        return this;
    }

    /** Zero-shot prompt templates ({@code {}} = the class name); null for the default of the data. */
    public ClipTraining templates(List<String> t) {
        if (t != null) {
            if (t.isEmpty()) {
                throw new IllegalArgumentException("no zero-shot prompt templates");
            }
            for (String s : t) {
                if (s == null || (!s.contains("{}") && !s.contains("{c}"))) {
                    throw new IllegalArgumentException("prompt template '" + s + "' has no {} for the class name");
                }
            }
            t = List.copyOf(t);
        }
        this.templates = t;
        return this;
    }

    private List<String> effectiveTemplates() {
        return templates != null ? templates : shapes() ? SHAPES_TEMPLATES : DEFAULT_TEMPLATES;
    }

    private OpenClipConfig architecture() {
        return model != null ? model : preset("shapes-tiny", vocabSize);
    }

    // ---- the settings file ----

    /** The settings as written to {@value #ARGS}, the architecture included ({@code open_clip_config.json} form). */
    @Override
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        putDataSettings(o);
        o.put("vocab_size", vocabSize);
        putScheduleSettings(o);
        o.put("patience", patience());
        o.put("clip_grad_norm", clipGradNorm());
        o.put("caption_dropout", captionDropout);
        ArrayNode t = o.putArray("templates");
        effectiveTemplates().forEach(t::add);
        o.put("seed", seed());
        o.set("architecture", architecture().toJson());
        return o;
    }

    /** The settings of the run in {@code out} ({@value #ARGS}), ready for {@link #run} with {@code resume = true}. */
    public static ClipTraining resume(Path out) throws IOException {
        JsonNode o = readSettingsFile(out);
        ClipTraining t = new ClipTraining();
        try {
            List<String> templates = new ArrayList<>();
            o.path("templates").forEach(n -> templates.add(n.asText()));
            t.readCommonSettings(o).vocabSize(o.path("vocab_size").asInt())
                    .captionDropout(o.path("caption_dropout").asDouble()).templates(templates);
            if (!o.path("architecture").isObject()) {
                throw new IllegalArgumentException("\"architecture\" must be an object (an open_clip_config.json)");
            }
            t.model(OpenClipConfig.fromJson(o.get("architecture")));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(out.resolve(ARGS) + ": " + e.getMessage(), e);
        }
        return t;
    }

    // ---- the run ----

    /**
     * Trains into {@code out}.
     *
     * @param resume continue the run in {@code out} (its {@code checkpoints/last}, tokenizer and settings);
     *               otherwise {@code out} must not hold a run yet
     * @throws IllegalStateException when {@code out} already holds a run and {@code resume} is false
     */
    public Result run(Path out, boolean resume) throws IOException {
        checkCanRun(out, resume);
        OpenClipConfig arch = architecture();
        Data d = datasets(arch.vision().imageSize());

        // the tokenizer: learned from the training captions, or the run's own when resuming
        ClipTokenizer tokenizer;
        if (resume) {
            if (!Files.isRegularFile(out.resolve(ClipTokenizer.VOCAB_JSON))) {
                throw new NoSuchFileException(out.resolve(ClipTokenizer.VOCAB_JSON)
                        + ": missing; resuming needs the tokenizer the run was trained with");
            }
            tokenizer = ClipTokenizer.fromDirectory(out);
        } else {
            long t0 = System.nanoTime();
            tokenizer = new ClipTokenizer(BpeTrainer.train(d.captions(), vocabSize));
            Files.createDirectories(out);
            tokenizer.vocabulary().writeHuggingFace(out);
            if (log() != null) {
                log().printf(Locale.ROOT, "tokenizer: %d tokens (target %d) learned from %d captions in %.1fs%n",
                        tokenizer.vocabSize(), vocabSize, d.captions().size(), (System.nanoTime() - t0) / 1e9);
            }
            writeSettingsFile(out);
        }
        OpenClipConfig cfg = withVocabulary(arch, tokenizer.vocabSize());
        ClipModel net = new ClipModel(cfg, tokenizer).initWeights(seed());

        // the loop
        int size = cfg.vision().imageSize();
        Transform normalize = new Normalize(cfg.preprocess().mean(), cfg.preprocess().std());
        Transform resize = shapes() ? Transform.identity() : Transform.compose(new Resize(size), new CenterCrop(size));
        Transform trainTransform = shapes() && captionDropout > 0
                ? Transform.compose(new ShapesCaptionDropout(captionDropout), normalize)
                : Transform.compose(resize, normalize);
        DataLoader train = new DataLoader(d.train(), trainTransform,
                trainLoaderOptions().withDropLast(d.train().size() >= batchSize()));
        // validation batches as large as training ones: the contrastive loss and in-batch retrieval depend on B
        DataLoader val = new DataLoader(d.val(), Transform.compose(resize, normalize),
                DataLoader.Options.of(batchSize()).withShuffle(false));
        ContrastiveTask task = new ContrastiveTask(net, d.classNames(), effectiveTemplates());
        String monitor = d.classNames() == null ? "val_loss" : "val_" + ContrastiveTask.ZERO_SHOT;
        Trainer trainer = trainer(task, AdamW.Config.clip(lr()), train, val, epochs(), monitor, out);
        trainer.listener((rec, best) -> {
            if (best) {
                OpenClip.save(net, out); // the model holds the best weights so far
            }
        });
        if (log() != null) {
            log().printf(Locale.ROOT, "%s CLIP (%s, %,d parameters) on %s: %d training / %d validation pairs%s%n",
                    resume ? "resuming" : "training", describe(cfg), net.parameterCount(), data(), d.train().size(),
                    d.val().size(), d.classNames() == null ? "" : ", zero-shot over " + d.classNames()
                            + " with " + effectiveTemplates());
        }
        History h = resume ? trainer.resume() : trainer.fit();

        OpenClip best = OpenClip.load(out);
        if (log() != null && h.best() != null) {
            log().printf(Locale.ROOT, "best epoch %d: %s %.4f, val_loss %.4f; model written to %s%n", h.bestEpoch(),
                    monitor, h.best().get(monitor), h.best().get("val_loss"), out);
        }
        return new Result(h, best.model(), out);
    }

    private static String describe(OpenClipConfig c) {
        OpenClipConfig.Vision v = c.vision();
        OpenClipConfig.Text t = c.text();
        return String.format(Locale.ROOT, "%d px, patch %d, vision %dx%d, text %dx%d, context %d, vocabulary %d, "
                        + "embedding %d", v.imageSize(), v.patchSize(), v.layers(), v.width(), t.layers(), t.width(),
                t.contextLength(), t.vocabSize(), c.embedDim());
    }

    /** Training and validation pairs, the class names of the zero-shot validation (null: none), the captions. */
    private record Data(Dataset train, Dataset val, List<String> classNames, List<String> captions) {}

    private Data datasets(int imageSize) throws IOException {
        if (shapes()) {
            DatasetSplit s = shapesData(imageSize);
            // the captions without rendering the images
            List<String> captions = new ArrayList<>(s.train().size());
            if (s.train() instanceof DatasetSplit.Subset sub) {
                ShapesDataset stream = (ShapesDataset) sub.base();
                for (int i : sub.indices()) {
                    captions.add(stream.scene(i).caption());
                }
            } else {
                ShapesDataset train = (ShapesDataset) s.train();
                for (int i = 0; i < train.size(); i++) {
                    captions.add(train.scene(i).caption());
                }
            }
            return new Data(s.train(), s.val(), s.train().classNames(), captions);
        }
        Path root = Path.of(data());
        CaptionedImages all = CaptionedImages.open(root);
        Path valList = root.resolve("val").resolve(CaptionedImages.CAPTIONS_CSV);
        if (Files.isRegularFile(valList)) {
            CaptionedImages v = CaptionedImages.read(valList);
            if (!all.classNames().equals(v.classNames())) {
                throw new IllegalArgumentException(valList + ": labels " + v.classNames() + " differ from the training "
                        + "labels " + all.classNames() + " of " + all.file());
            }
            return new Data(all, v, all.hasLabels() ? all.classNames() : null, all.captions());
        }
        DatasetSplit s = split(all);
        List<String> captions = new ArrayList<>();
        for (int i : ((DatasetSplit.Subset) s.train()).indices()) {
            captions.add(all.caption(i));
        }
        return new Data(s.train(), s.val(), all.hasLabels() ? all.classNames() : null, captions);
    }
}
