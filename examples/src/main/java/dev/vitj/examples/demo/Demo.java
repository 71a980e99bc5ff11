package dev.vitj.examples.demo;

import dev.vitj.clip.ClipModel;
import dev.vitj.core.Vitj;
import dev.vitj.core.data.ShapesDataset;
import dev.vitj.core.image.ImagePreprocessor;
import dev.vitj.core.image.PreprocessConfig;
import dev.vitj.examples.demo.ShapesImages.Sample;
import dev.vitj.examples.report.HtmlReport;
import dev.vitj.examples.report.ProgressBar;
import dev.vitj.examples.report.SummaryJson;
import dev.vitj.vit.VisionTransformer;
import dev.vitj.vit.VitConfig;
import dev.vitj.vit.localize.HeatmapMethod;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The demo pipeline: a CLIP model analysed end to end on held-out synthetic shapes images.
 *
 * <ol>
 *   <li>load the model (the embedded default, or an OpenCLIP directory);</li>
 *   <li>render a training split and a held-out split of {@link ShapesDataset} at the model's input size;</li>
 *   <li>embed the training images, and the held-out images with their attention from the same pass;</li>
 *   <li>large vs small: zero-shot prompts vs a class-balanced linear probe, ROC and PCA
 *       ({@link SizeClassification});</li>
 *   <li>image-to-image retrieval ({@link Retrieval});</li>
 *   <li>class-token attention per layer and head ({@link AttentionGrids});</li>
 *   <li>rollout overlays and localisation IoU against the true masks ({@link LocalisationScores});</li>
 *   <li>with a second model (a timm ViT or OpenCLIP directory, or the embedded ViT classifier): the same
 *       held-out images through it, its attention beside the first model's, its localisation next to the
 *       first model's and, for a classifier naming the shapes, its shape accuracy ({@link ModelComparison});</li>
 *   <li>{@code report.html} (one offline file), {@code summary.json} (every number) and the PNGs.</li>
 * </ol>
 * Each stage shows a progress bar on stderr. Everything is deterministic for a given seed and model.
 */
public final class Demo {
    /** How many showcase images get attention grids and retrieval strips. */
    static final int SHOWCASE = 3;

    /**
     * What to run.
     *
     * @param outDir          where report.html, summary.json and the PNGs go (created if missing)
     * @param modelDir        an OpenCLIP or timm directory, or null for the embedded default model
     * @param compareDir      a second model's directory (OpenCLIP or timm) to compare with, or null
     * @param compareEmbedded compare with the embedded ViT classifier (only without {@code compareDir})
     * @param images          held-out images to analyse
     * @param trainImages     images of the separate split the linear probe is trained on
     * @param seed            seed of the shapes images
     */
    public record Options(Path outDir, Path modelDir, Path compareDir, boolean compareEmbedded, int images,
                          int trainImages, long seed) {
        /** Limits that keep the run meaningful (both classes present) and bounded in memory and time. */
        public static final int MIN_IMAGES = 20;
        public static final int MAX_IMAGES = 2000;

        public Options {
            Objects.requireNonNull(outDir, "outDir");
            if (compareDir != null && compareEmbedded) {
                throw new IllegalArgumentException("compare with a directory or with the embedded ViT, not both");
            }
            if (images < MIN_IMAGES || images > MAX_IMAGES) {
                throw new IllegalArgumentException("held-out images must be between " + MIN_IMAGES + " and "
                        + MAX_IMAGES + ", got " + images);
            }
            if (trainImages < MIN_IMAGES || trainImages > MAX_IMAGES) {
                throw new IllegalArgumentException("training images must be between " + MIN_IMAGES + " and "
                        + MAX_IMAGES + ", got " + trainImages);
            }
        }

        /** One model, no comparison. */
        public Options(Path outDir, Path modelDir, int images, int trainImages, long seed) {
            this(outDir, modelDir, null, false, images, trainImages, seed);
        }

        /** Whether a second model is analysed. */
        public boolean compares() {
            return compareDir != null || compareEmbedded;
        }
    }

    /**
     * Where the results went, and the headline numbers.
     *
     * @param zeroShotAuc large vs small, held-out; NaN for a model without a text tower
     * @param clsLastIou  mean IoU at threshold 0.5 of the last layer's class-token attention
     * @param rolloutIou  mean IoU at threshold 0.5 of attention rollout
     * @param compare     the second model's headline numbers, or null without one
     */
    public record Result(Path report, Path summary, double zeroShotAuc, double probeAuc, double clsLastIou,
                         double rolloutIou, Compared compare, double seconds) {}

    /**
     * The second model's headline numbers.
     *
     * @param model         its description
     * @param clsLastIou    mean IoU at threshold 0.5 of its last layer's class-token attention
     * @param rolloutIou    mean IoU at threshold 0.5 of its attention rollout
     * @param shapeAccuracy its held-out shape accuracy; NaN when its classes do not name the shapes
     */
    public record Compared(String model, double clsLastIou, double rolloutIou, double shapeAccuracy) {}

    /** The classpath folder of the embedded default model (an OpenCLIP hub directory). */
    public static final String EMBEDDED_MODEL = DemoModel.RESOURCE_DIR;

    /** Whether this build carries the embedded default model. */
    public static boolean embeddedModelAvailable() {
        return DemoModel.embeddedAvailable();
    }

    /** The classpath folder of the embedded ViT classifier (a timm hub directory), the default comparison. */
    public static final String EMBEDDED_VIT = DemoModel.VIT_RESOURCE_DIR;

    /** Whether this build carries the embedded ViT classifier. */
    public static boolean embeddedVitAvailable() {
        return DemoModel.Embedded.VIT.available();
    }

    /** Runs every stage; progress on stderr, nothing on stdout. */
    public static Result run(Options o) throws IOException {
        return new Demo(o).run();
    }

    private final Options o;
    /** Wall-clock seconds per stage, in order. */
    private final Map<String, Double> timings = new LinkedHashMap<>();

    private Demo(Options o) {
        this.o = o;
    }

    /** One stage's work, advancing its progress bar. */
    private interface Step<T> {
        T run(ProgressBar bar) throws IOException;
    }

    /** Runs a stage under a progress bar of {@code total} steps and records its wall time under {@code key}. */
    private <T> T stage(String key, String label, long total, Step<T> step) throws IOException {
        long t = System.nanoTime();
        try (ProgressBar bar = ProgressBar.start(label, total)) {
            T result = step.run(bar);
            if (bar.done() < total) {
                bar.step(total - bar.done());
            }
            return result;
        } finally {
            timings.put(key, seconds(t));
        }
    }

    private Result run() throws IOException {
        long start = System.nanoTime();
        Files.createDirectories(o.outDir());

        // 1. The model.
        DemoModel.Loaded loaded = stage("load_model", "load model", 1,
                bar -> o.modelDir() == null ? DemoModel.embedded() : DemoModel.fromDirectory(o.modelDir()));
        VisionTransformer vision = loaded.vision();
        requireClassToken(loaded);
        DemoModel.Loaded other = null;
        if (o.compares()) {
            other = stage("load_compare_model", "load comparison model", 1, bar -> o.compareEmbedded()
                    ? DemoModel.embedded(DemoModel.Embedded.VIT) : DemoModel.fromDirectory(o.compareDir()));
            requireClassToken(other);
        }
        PreprocessConfig preprocess = loaded.preprocess();
        ImagePreprocessor pre = new ImagePreprocessor(preprocess);
        boolean headOutput = loaded.embeddingIsHeadOutput();

        // 2. Images at the model's input size: OpenCLIP's transform then only normalises them; a timm crop_pct
        //    still resizes and crops, which the localisation accounts for (CropGeometry).
        int size = preprocess.size();
        List<Sample> train = new ArrayList<>();
        List<Sample> test = stage("render_images", "render images", o.trainImages() + o.images(), bar -> {
            train.addAll(ShapesImages.render(ShapesDataset.Split.TRAIN, o.trainImages(), size, o.seed(), bar));
            return ShapesImages.render(ShapesDataset.Split.TEST, o.images(), size, o.seed(), bar);
        });
        List<Integer> showcase = showcase(test);

        // 3. Embeddings; for the held-out images with the attention of the same pass.
        float[][] trainEmb = stage("embed_train", "embed training images", train.size(),
                bar -> Encodings.embed(vision, headOutput, pre, train, bar));
        Encodings.HeldOut heldOut = stage("embed_held_out", "embed held-out images + attention", test.size(),
                bar -> Encodings.withAttention(vision, headOutput, pre, test, new HashSet<>(showcase), bar));
        // The second model sees the same rendered images through its own preprocessing (it may resize and crop).
        Encodings.HeldOut otherHeldOut = null;
        String noShapes = null;
        if (other != null) {
            DemoModel.Loaded m = other;
            noShapes = m.clip() != null
                    ? "a CLIP image tower has no classifier head (its head projects into the joint embedding space)"
                    : ShapeAccuracy.unusable(m.labelNames(), m.vision().config().numClasses());
            boolean classify = noShapes == null;
            ImagePreprocessor otherPre = new ImagePreprocessor(m.preprocess());
            otherHeldOut = stage("embed_compare", "comparison model: held-out images + attention", test.size(),
                    bar -> classify
                            ? Encodings.withAttentionAndLogits(m.vision(), otherPre, test, new HashSet<>(showcase), bar)
                            : Encodings.withAttention(m.vision(), m.embeddingIsHeadOutput(), otherPre, test,
                                    new HashSet<>(showcase), bar));
        }

        // 4.-7. The analyses, each a report section and a summary.json entry.
        ClipModel clip = loaded.canZeroShot() ? loaded.clip() : null;
        SizeClassification sizes = stage("size_classification",
                clip != null ? "zero-shot vs linear probe" : "linear probe", 1,
                bar -> SizeClassification.run(clip, trainEmb, ShapesImages.sizeLabels(train), heldOut.embeddings(),
                        ShapesImages.sizeLabels(test), ShapesImages.shapeLabels(test), o.outDir()));
        Retrieval retrieval = stage("retrieval", "retrieval", 1,
                bar -> Retrieval.run(heldOut.embeddings(), test, showcase, o.outDir()));
        DemoModel.Loaded cmp = other;
        Encodings.HeldOut cmpHeldOut = otherHeldOut;
        AttentionGrids grids = stage("attention_grids", "attention grids", 1,
                bar -> cmp == null ? AttentionGrids.run(heldOut.layerHeadMaps(), test, showcase, o.outDir())
                        : AttentionGrids.run(heldOut.layerHeadMaps(), loaded.shortName(), cmpHeldOut.layerHeadMaps(),
                                cmp.shortName(), test, showcase, o.outDir()));
        LocalisationScores loc = stage("localisation", "localisation", test.size(),
                bar -> LocalisationScores.run(heldOut, test, preprocess, overlayImages(test, showcase), o.outDir(), bar));
        List<Section> sections = new ArrayList<>(List.of(sizes, retrieval, grids, loc));
        ModelComparison comparison = null;
        if (cmp != null) {
            LocalisationScores cmpLoc = stage("localisation_compare", "comparison model: localisation", test.size(),
                    bar -> LocalisationScores.run(cmpHeldOut, test, cmp.preprocess(), overlayImages(test, showcase),
                            o.outDir(), "_compare", cmp.shortName(), 0, bar));
            String why = noShapes;
            ShapeAccuracy shapes = stage("shape_classification_compare", "comparison model: shape accuracy", 1,
                    bar -> why == null ? ShapeAccuracy.score(cmp.labelNames(), cmpHeldOut.logits(),
                            ShapesImages.shapeLabels(test)) : null);
            comparison = new ModelComparison(loaded, cmp, modelSummary(cmp, cmp.preprocess()), grids.compareSummary(),
                    loc, cmpLoc, shapes, why);
            sections.add(comparison);
        }

        // 8. Report and summary.
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("vitj_version", Vitj.VERSION);
        summary.put("model", modelSummary(loaded, preprocess));
        summary.put("data", dataSummary(o, size, test));
        HtmlReport html = HtmlReport.titled("vitj demo");
        header(html, loaded, other, o, size);
        for (Section s : sections) {
            summary.put(s.key(), s.summary());
            s.report(html);
        }
        double total = seconds(start);
        timings.put("total", total);
        summary.put("timings_s", timings);
        footer(html, timings);
        Path report = o.outDir().resolve("report.html");
        Path summaryFile = o.outDir().resolve("summary.json");
        SummaryJson.write(summaryFile, summary);
        html.write(report);
        Compared compared = comparison == null ? null : new Compared(cmp.description(),
                comparison.localisation().meanIou(HeatmapMethod.CLS_LAST, 0.5),
                comparison.localisation().meanIou(HeatmapMethod.ROLLOUT, 0.5), comparison.shapeAccuracy());
        return new Result(report, summaryFile, sizes.zeroShotAuc(), sizes.probeAuc(),
                loc.meanIou(HeatmapMethod.CLS_LAST, 0.5), loc.meanIou(HeatmapMethod.ROLLOUT, 0.5), compared, total);
    }

    /** The attention maps and rollout are defined from the class token: a model without one cannot be shown. */
    private static void requireClassToken(DemoModel.Loaded m) {
        if (!m.vision().config().classToken()) {
            throw new IllegalArgumentException(m.description() + ": the image tower has no class token; the"
                    + " demo's attention maps and rollout are defined from it");
        }
    }

    /**
     * The first held-out images with {@value #SHOWCASE} different shapes, not all of one size: a varied
     * set for the retrieval strip and the attention grids.
     */
    static List<Integer> showcase(List<Sample> test) {
        List<Integer> out = new ArrayList<>();
        Set<ShapesDataset.Shape> shapes = new HashSet<>();
        Set<ShapesDataset.Size> sizes = new HashSet<>();
        for (Sample s : test) {
            boolean newShape = !shapes.contains(s.scene().shape());
            boolean lastPick = out.size() == SHOWCASE - 1;
            boolean sizeOk = !lastPick || sizes.size() > 1 || !sizes.contains(s.scene().size());
            if (newShape && sizeOk) {
                out.add(s.index());
                shapes.add(s.scene().shape());
                sizes.add(s.scene().size());
                if (out.size() == SHOWCASE) {
                    return out;
                }
            }
        }
        // Too few images for variety: take the first ones.
        for (int i = 0; out.size() < SHOWCASE && i < test.size(); i++) {
            if (!out.contains(i)) {
                out.add(i);
            }
        }
        return out;
    }

    /** The showcase images, then the next ones, up to {@link LocalisationScores#OVERLAY_IMAGES}. */
    static List<Integer> overlayImages(List<Sample> test, List<Integer> showcase) {
        List<Integer> out = new ArrayList<>(showcase);
        for (int i = 0; out.size() < LocalisationScores.OVERLAY_IMAGES && i < test.size(); i++) {
            if (!out.contains(i)) {
                out.add(i);
            }
        }
        return out;
    }

    static Map<String, Object> modelSummary(DemoModel.Loaded loaded, PreprocessConfig pre) {
        VitConfig v = loaded.vision().config();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", loaded.description());
        m.put("format", loaded.format());
        m.put("embedded", loaded.embedded());
        m.put("image_size", v.imgSize());
        m.put("patch_size", v.patchSize());
        m.put("grid", v.gridSize());
        m.put("vision_width", v.embedDim());
        m.put("vision_layers", v.depth());
        m.put("vision_heads", v.numHeads());
        m.put("embedding", loaded.embeddingIsHeadOutput() ? "image features (projection head), L2-normalised"
                : "pooled features before the classifier head, L2-normalised");
        if (loaded.clip() != null) {
            ClipModel clip = loaded.clip();
            m.put("embed_dim", clip.embedDim());
            m.put("text_width", clip.config().text().width());
            m.put("text_layers", clip.config().text().layers());
            m.put("logit_scale", clip.logitScale());
            m.put("parameters", clip.parameterCount());
        } else {
            m.put("embed_dim", v.embedDim());
            m.put("parameters", loaded.vision().parameterCount());
            m.put("num_classes", v.numClasses());
            if (loaded.labelNames() != null) {
                m.put("label_names", loaded.labelNames());
            }
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("size", pre.size());
        p.put("resize_mode", pre.resizeMode().name().toLowerCase(Locale.ROOT));
        p.put("interpolation", pre.interpolation().name().toLowerCase(Locale.ROOT));
        p.put("crop_pct", pre.cropPct());
        p.put("mean", pre.mean());
        p.put("std", pre.std());
        m.put("preprocess", p);
        return m;
    }

    private static Map<String, Object> dataSummary(Options o, int size, List<Sample> test) {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("dataset", "ShapesDataset (synthetic: one object of 5 shapes, 2 sizes, 7 colours, 9 positions)");
        d.put("seed", o.seed());
        d.put("image_size", size);
        d.put("train_split", "TRAIN");
        d.put("train_images", o.trainImages());
        d.put("held_out_split", "TEST");
        d.put("held_out_images", o.images());
        d.put("held_out_large", test.stream().mapToInt(Sample::isLarge).sum());
        return d;
    }

    private static void header(HtmlReport html, DemoModel.Loaded loaded, DemoModel.Loaded other, Options o, int size) {
        VitConfig v = loaded.vision().config();
        html.note(String.format(Locale.ROOT, "vitj %s · model: %s%s · %d held-out images (%dx%d) · seed %d",
                Vitj.VERSION, loaded.description(), other == null ? "" : " · compared with: " + other.description(),
                o.images(), size, size, o.seed()));
        List<List<Object>> rows = new ArrayList<>();
        rows.add(List.of("input", v.imgSize() + "x" + v.imgSize() + " pixels, patches of " + v.patchSize() + " ("
                + v.gridSize() + "x" + v.gridSize() + " grid + class token)"));
        rows.add(List.of("image transformer", v.depth() + " layers, " + v.numHeads() + " heads, width " + v.embedDim()));
        if (loaded.clip() != null) {
            ClipModel clip = loaded.clip();
            rows.add(List.of("embedding", clip.embedDim() + " dimensions (image features of the projection head)"));
            rows.add(List.of("text transformer", clip.config().text().layers() + " layers, width "
                    + clip.config().text().width()));
            rows.add(List.of("parameters", String.format(Locale.ROOT, "%,d", clip.parameterCount())));
        } else {
            rows.add(List.of("embedding", v.embedDim() + " dimensions (pooled features before the classifier head)"));
            rows.add(List.of("text transformer", "none: a vision-only model, so no zero-shot"));
            rows.add(List.of("parameters", String.format(Locale.ROOT, "%,d", loaded.vision().parameterCount())));
        }
        html.section("What you are looking at")
                .paragraph((loaded.clip() != null
                        ? "A CLIP model (an image tower and a text tower mapping pictures and sentences into one"
                          + " embedding space)"
                        : "A vision transformer")
                        + " analysed on synthetic images whose ground truth is known exactly: one"
                        + " coloured shape (circle, square, triangle, cross or star; small or large; one of seven"
                        + " colours; in one of nine positions) on a textured background, with its pixel mask. The"
                        + " images are rendered for this run from a fixed seed: " + o.trainImages() + " images of the"
                        + " training split (used only to fit the linear probe) and " + o.images() + " held-out images"
                        + " of the test split (everything else)"
                        + (loaded.embedded() ? "; vitj's CLIP training draws only on the train and validation splits,"
                                + " so the embedded model has never seen a held-out image." : "."))
                .table(List.of("model", "value"), rows);
        if (loaded.notes() != null) {
            html.paragraph("About the embedded model (README-models.md shipped with it):")
                    .preformatted(loaded.notes().strip());
        }
    }

    private static void footer(HtmlReport html, Map<String, Double> timings) {
        html.section("Run the same analysis on your own model")
                .paragraph("Any OpenCLIP model directory as published on the Hugging Face hub (open_clip_config.json,"
                        + " open_clip_model.safetensors or open_clip_pytorch_model.bin, vocab.json + merges.txt) runs"
                        + " through exactly these stages; a timm ViT directory (config.json + model.safetensors)"
                        + " through all but zero-shot, which needs a text tower:")
                .preformatted("./vitj demo --model models/CLIP-ViT-B-16-laion2B-s34B-b88K --images 100 --out out/demo-b16")
                .paragraph("To put a second model beside it (its attention, localisation and, for a classifier whose"
                        + " label_names are the five shapes, its shape accuracy), add --compare DIR:")
                .preformatted("./vitj demo --model models/CLIP-ViT-B-16-laion2B-s34B-b88K --compare models/vit-b16"
                        + " --images 100 --out out/demo-b16")
                .paragraph("To score attention localisation on your own images with masks or boxes (OpenCLIP or timm"
                        + " ViT directories):")
                .preformatted("./vitj localize --model DIR --images photos/ --masks masks/ --method cls-last,rollout"
                        + " --report --out out/localize");
        List<List<Object>> rows = new ArrayList<>();
        timings.forEach((k, v) -> rows.add(List.of(k.replace('_', ' '), v)));
        html.section("Timings").paragraph("Wall-clock seconds per stage on this machine ("
                + Runtime.getRuntime().availableProcessors() + " cores).")
                .table(List.of("stage", "seconds"), rows);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
