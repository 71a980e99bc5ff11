package dev.vitj.vit.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vitj.core.data.CenterCrop;
import dev.vitj.core.data.DataLoader;
import dev.vitj.core.data.Dataset;
import dev.vitj.core.data.ImageFolderDataset;
import dev.vitj.core.data.Normalize;
import dev.vitj.core.data.RandomHorizontalFlip;
import dev.vitj.core.data.RandomResizedCrop;
import dev.vitj.core.data.Resize;
import dev.vitj.core.data.ShapesDataset;
import dev.vitj.core.data.Transform;
import dev.vitj.core.image.Interpolation;
import dev.vitj.core.image.PreprocessConfig;
import dev.vitj.core.io.AtomicFiles;
import dev.vitj.core.io.SafeTensors;
import dev.vitj.core.optim.AdamW;
import dev.vitj.core.train.ClassificationTask;
import dev.vitj.core.train.DatasetSplit;
import dev.vitj.core.train.History;
import dev.vitj.core.train.Trainer;
import dev.vitj.core.train.TrainingRecipe;
import dev.vitj.vit.TimmHubConfig;
import dev.vitj.vit.TimmLoader;
import dev.vitj.vit.TimmWriter;
import dev.vitj.vit.VisionModelLoader;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitCheckpoint;
import dev.vitj.vit.VitConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The ViT classification recipe of the seed tutorial, from images to a model directory that
 * {@link TimmLoader} (and so {@code vitj classify / attention / rollout}) opens:
 * <ol>
 *   <li>data: the synthetic {@link ShapesDataset} (label = shape; train and validation splits are disjoint
 *       random streams) or an image folder ({@code DIR/train} and {@code DIR/val} when present, else a seeded
 *       random split of {@code DIR}); training augmentation: horizontal flips, and for image folders
 *       {@link RandomResizedCrop}; validation: resize and centre crop (timm's eval transform, crop 0.875);</li>
 *   <li>model: from scratch (the original ViT's JAX initialisation, {@link VisionTransformer.Init#JAX}, which
 *       starts a small model learning sooner than timm's default) or fine-tuned from a pretrained model
 *       directory with a new head ({@link FineTuning}) and optionally frozen early blocks;</li>
 *   <li>AdamW (no weight decay on norms, biases and embeddings), linear warmup then cosine decay per step,
 *       cross-entropy with label smoothing, gradient-norm clipping, early stopping on validation accuracy;</li>
 *   <li>output: {@code config.json} + {@code model.safetensors} (the best epoch's weights, timm hub layout,
 *       with the class names), {@code training_args.json}, {@code history.json}, {@code training_curves.png},
 *       {@code checkpoints/last|best} for exact resumption, and the embedding pictures
 *       {@code patch_embed_pca.png} and {@code pos_embed_similarity.png} of the best model.</li>
 * </ol>
 * Settings are chained setters, validated at once (those every recipe has in {@link TrainingRecipe}, among them
 * {@link #data} and the file name {@link #ARGS}); {@link #run} trains.
 */
public final class VitTraining extends TrainingRecipe<VitTraining> {
    public static final String PATCH_PCA_PNG = "patch_embed_pca.png";
    public static final String POS_SIMILARITY_PNG = "pos_embed_similarity.png";

    /**
     * The result of a run.
     *
     * @param history the per-epoch numbers
     * @param model   the model with the best epoch's weights, in inference mode
     * @param out     the output folder
     */
    public record Result(History history, VisionTransformer model, Path out) {}

    private VitConfig model;
    private Path init;
    private int freezeBlocks;
    private double labelSmoothing = 0.1;
    private boolean augment = true;

    /** The defaults: the shapes, learning rate 1e-3, weight decay 0.05, 2 warmup epochs. */
    public VitTraining() {
        super("a folder", 1e-3, 0.05, 2);
    }

    /**
     * The model trained from scratch on the shapes by default ({@code --preset shapes-tiny}): 32 px images, patch 8
     * (16 patches), width 64, 2 blocks of 4 heads, MLP ratio 4, average pooling with {@code fc_norm}; 0.1 M
     * parameters. Chosen by measurement on 5000 large shapes, 30 000 example passes: average pooling beat the class
     * token, 2 blocks matched 3 at two thirds of the cost, MLP ratio 4 beat 2 at nearly the same cost (the steps of
     * so small a model cost mostly per-operation overhead, not arithmetic), width 96 did not help.
     */
    public static VitConfig shapesModel(int numClasses) {
        return VitConfig.vitTiny(8).withImgSize(32).withNumHeads(4).withEmbedDim(64).withDepth(2).withMlpRatio(4)
                .withGlobalPool("avg").withNumClasses(numClasses);
    }

    /**
     * The embedded default classifier of {@code vitj demo} ({@code --preset shapes-small}): 64 px images, patch 8 (an
     * 8x8 grid, so attention maps can localise), width 64, 3 blocks of 4 heads, MLP ratio 4, class-token pooling (the
     * class token's attention is what the demo shows, so it must be the token the head reads); 0.17 M parameters.
     */
    public static VitConfig shapesSmallModel(int numClasses) {
        return shapesModel(numClasses).withImgSize(64).withDepth(3).withGlobalPool("token");
    }

    // ---- settings ----

    /** The architecture (its class count is replaced by the data's); null for the default. */
    public VitTraining model(VitConfig config) {
        this.model = config;
        return this;
    }

    /** Fine-tune from this pretrained model directory (its architecture wins over {@link #model}); null: from scratch. */
    public VitTraining init(Path pretrainedDir) {
        this.init = pretrainedDir;
        return this;
    }

    /** Fine-tuning: freeze the embeddings and the first {@code n} blocks (0: only... nothing frozen). */
    public VitTraining freezeBlocks(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("blocks to freeze must be >= 0, got " + n);
        }
        this.freezeBlocks = n;
        return this;
    }

    public VitTraining labelSmoothing(double v) {
        if (!(v >= 0 && v < 1)) {
            throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + v);
        }
        this.labelSmoothing = v;
        return this;
    }

    /** Training augmentation on (default) or off. */
    public VitTraining augment(boolean on) {
        this.augment = on;
        return this;
    }

    // ---- the settings file ----

    /** The settings as written to {@code training_args.json}. */
    @Override
    public ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        putDataSettings(o);
        if (init != null) {
            o.put("init", init.toString());
        }
        o.put("freeze_blocks", freezeBlocks);
        putScheduleSettings(o);
        o.put("label_smoothing", labelSmoothing);
        o.put("patience", patience());
        o.put("clip_grad_norm", clipGradNorm());
        o.put("augment", augment);
        o.put("seed", seed());
        return o;
    }

    /**
     * The settings of the run in {@code out} ({@code training_args.json}) with its architecture
     * ({@code config.json}), ready for {@link #run} with {@code resume = true}.
     */
    public static VitTraining resume(Path out) throws IOException {
        JsonNode o = readSettingsFile(out);
        VitTraining t = new VitTraining();
        try {
            t.readCommonSettings(o).freezeBlocks(o.path("freeze_blocks").asInt())
                    .labelSmoothing(o.path("label_smoothing").asDouble()).augment(o.path("augment").asBoolean(true));
            if (o.hasNonNull("init")) {
                t.init(Path.of(o.get("init").asText()));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(out.resolve(ARGS) + ": " + e.getMessage(), e);
        }
        t.model(TimmHubConfig.read(out.resolve(TimmLoader.CONFIG)).model());
        return t;
    }

    // ---- the run ----

    /**
     * Trains into {@code out}.
     *
     * @param resume continue the run in {@code out} (its {@code checkpoints/last}); otherwise {@code out} must not
     *               hold a run yet
     * @throws IllegalStateException when {@code out} already holds a run and {@code resume} is false
     */
    public Result run(Path out, boolean resume) throws IOException {
        return run(out, resume, epochs());
    }

    /**
     * As {@link #run(Path, boolean)}, but stops once {@code stopAfterEpoch} epochs of the planned {@link #epochs}
     * are done (the schedule stays the planned one), e.g. to split a long run into sessions: a later
     * {@link #resume} continues exactly where this one stopped.
     */
    public Result run(Path out, boolean resume, int stopAfterEpoch) throws IOException {
        if (stopAfterEpoch < 1) {
            throw new IllegalArgumentException("stopAfterEpoch must be >= 1, got " + stopAfterEpoch);
        }
        checkCanRun(out, resume);
        VitCheckpoint pre = init != null && !resume ? VisionModelLoader.load(init) : null;
        int imgSize = pre != null ? pre.config().imgSize() : model != null ? model.imgSize() : shapesModel(1).imgSize();
        Data d = datasets(imgSize);
        int classes = d.train().classNames().size();

        // the model
        VitConfig cfg;
        VisionTransformer net;
        PreprocessConfig eval;
        if (pre != null) {
            cfg = dropRatesOf(pre.config().withNumClasses(classes));
            net = FineTuning.withNewHead(pre.model(), cfg, seed());
            PreprocessConfig p = pre.preprocess();
            eval = evalPreprocess(cfg.imgSize(), p == null ? PreprocessConfig.INCEPTION_MEAN : p.mean(),
                    p == null ? PreprocessConfig.INCEPTION_STD : p.std());
        } else {
            VitConfig base = model != null ? model : shapesModel(classes);
            cfg = base.withNumClasses(classes);
            net = new VisionTransformer(cfg).initWeights(seed(), VisionTransformer.Init.JAX);
            eval = evalPreprocess(cfg.imgSize(), resume ? TimmHubConfig.read(out.resolve(TimmLoader.CONFIG)).preprocess()
                    : null);
        }
        if (init != null && freezeBlocks > 0) {
            FineTuning.freezeBlocks(net, freezeBlocks);
        }
        if (!resume) {
            Files.createDirectories(out);
            AtomicFiles.write(out.resolve(TimmLoader.CONFIG),
                    JSON.writeValueAsBytes(TimmWriter.config(cfg, eval, d.train().classNames())));
            writeSettingsFile(out);
        }

        // the loop
        Transform normalize = new Normalize(eval.mean(), eval.std());
        DataLoader train = new DataLoader(d.train(), trainTransform(d, cfg.imgSize(), normalize), trainLoaderOptions());
        DataLoader val = new DataLoader(d.val(), evalTransform(d, eval, normalize),
                DataLoader.Options.of(Math.max(batchSize(), 128)).withShuffle(false));
        Trainer trainer = trainer(new ClassificationTask<>(net, labelSmoothing), AdamW.Config.pytorch(lr()), train, val,
                Math.min(epochs(), stopAfterEpoch), "val_accuracy", out);
        List<String> classNames = d.train().classNames();
        trainer.listener((rec, best) -> {
            if (best) {
                TimmWriter.write(out, net, eval, classNames);
            }
        });
        if (log() != null) {
            log().printf(Locale.ROOT, "%s ViT (%s, %d parameters) on %s: %d training / %d validation images, %d classes%n",
                    resume ? "resuming" : init != null ? "fine-tuning" : "training", describe(cfg), net.parameterCount(),
                    data(), d.train().size(), d.val().size(), classes);
        }
        History h = resume ? trainer.resume() : trainer.fit();

        // the best weights, and what they learned
        VisionTransformer best = new VisionTransformer(cfg);
        best.loadStateDict(SafeTensors.load(out.resolve(TimmLoader.SAFETENSORS)), true);
        EmbeddingPlots.write(best, out.resolve(PATCH_PCA_PNG), out.resolve(POS_SIMILARITY_PNG));
        if (log() != null && h.best() != null) {
            log().printf(Locale.ROOT, "best epoch %d: val_accuracy %.4f, val_loss %.4f; model written to %s%n",
                    h.bestEpoch(), h.best().get("val_accuracy"), h.best().get("val_loss"), out);
        }
        return new Result(h, best, out);
    }

    private VitConfig dropRatesOf(VitConfig c) {
        VitConfig m = model;
        return m == null ? c : c.withDropRate(m.dropRate()).withPosDropRate(m.posDropRate())
                .withProjDropRate(m.projDropRate()).withAttnDropRate(m.attnDropRate()).withDropPathRate(m.dropPathRate());
    }

    private static String describe(VitConfig c) {
        return String.format(Locale.ROOT, "%d px, patch %d, width %d, depth %d, %d heads, %s pooling", c.imgSize(),
                c.patchSize(), c.embedDim(), c.depth(), c.numHeads(), c.globalPool().isEmpty() ? "no" : c.globalPool());
    }

    /** The two datasets and whether they are the synthetic shapes. */
    private record Data(Dataset train, Dataset val, boolean shapes) {}

    private Data datasets(int img) throws IOException {
        if (shapes()) {
            DatasetSplit s = shapesData(img);
            return new Data(s.train(), s.val(), true);
        }
        Path root = Path.of(data());
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root + ": no such folder (expected \"shapes\" or an image folder with one "
                    + "sub-folder per class)");
        }
        if (Files.isDirectory(root.resolve("train")) && Files.isDirectory(root.resolve("val"))) {
            ImageFolderDataset train = new ImageFolderDataset(root.resolve("train"));
            ImageFolderDataset val = new ImageFolderDataset(root.resolve("val"));
            if (!train.classNames().equals(val.classNames())) {
                throw new IllegalArgumentException(root + ": train/ has classes " + train.classNames() + " but val/ has "
                        + val.classNames());
            }
            return new Data(train, val, false);
        }
        DatasetSplit s = split(new ImageFolderDataset(root));
        return new Data(s.train(), s.val(), false);
    }

    /** timm's eval transform for {@code size}: bilinear, centre crop 0.875 (shapes: 1, they already have the size). */
    private PreprocessConfig evalPreprocess(int size, float[] mean, float[] std) {
        double crop = shapes() ? 1.0 : 0.875;
        return PreprocessConfig.timm(size, mean, std, crop, Interpolation.BILINEAR);
    }

    private PreprocessConfig evalPreprocess(int size, PreprocessConfig saved) {
        return saved != null ? saved : evalPreprocess(size, PreprocessConfig.INCEPTION_MEAN, PreprocessConfig.INCEPTION_STD);
    }

    private Transform trainTransform(Data d, int size, Transform normalize) {
        if (d.shapes()) {
            // every shape is left-right symmetric, so flips keep the label
            return augment ? Transform.compose(RandomHorizontalFlip.of(), normalize) : normalize;
        }
        return augment ? Transform.compose(RandomResizedCrop.of(size), RandomHorizontalFlip.of(), normalize)
                : Transform.compose(new Resize(size), new CenterCrop(size), normalize);
    }

    private static Transform evalTransform(Data d, PreprocessConfig eval, Transform normalize) {
        if (d.shapes()) {
            return normalize;
        }
        return Transform.compose(new Resize(eval.resizeTarget()), new CenterCrop(eval.size()), normalize);
    }
}
