package dev.vitj.examples.demo;

import dev.vitj.core.image.PreprocessConfig;
import dev.vitj.examples.demo.Encodings.HeldOut;
import dev.vitj.examples.demo.ShapesImages.Sample;
import dev.vitj.examples.report.HtmlReport;
import dev.vitj.examples.report.ProgressBar;
import dev.vitj.vit.explain.Heatmap;
import dev.vitj.vit.explain.Panel;
import dev.vitj.vit.localize.CropGeometry;
import dev.vitj.vit.localize.EvaluationFrame;
import dev.vitj.vit.localize.HeatmapMethod;
import dev.vitj.vit.localize.Localization;
import dev.vitj.vit.localize.Localization.ImageScore;
import dev.vitj.vit.localize.Localization.ThresholdSummary;
import dev.vitj.vit.localize.LocalizationFigure;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stage 7: does the attention find the object? For every held-out image, the last layer's class-token
 * attention (mean over heads) and the attention rollout are upsampled bicubically to the model's input,
 * min-max normalised, thresholded at 0.3, 0.5 and 0.7 and compared with the object's true mask by IoU,
 * exactly as {@code vitj localize} scores real data ({@link Localization}).
 */
final class LocalisationScores implements Section {
    static final double[] THRESHOLDS = Localization.DEFAULT_THRESHOLDS;
    static final List<HeatmapMethod> METHODS = List.of(HeatmapMethod.CLS_LAST, HeatmapMethod.ROLLOUT);
    /** Images in the overlay figure. */
    static final int OVERLAY_IMAGES = 6;
    /** Images with a per-threshold agreement figure. */
    static final int DETAIL_IMAGES = 2;
    private static final int TILE = 160;

    private final Map<String, Object> summary = new LinkedHashMap<>();
    private final Map<HeatmapMethod, List<ThresholdSummary>> byMethod = new EnumMap<>(HeatmapMethod.class);
    private final List<List<Object>> sizeRows = new ArrayList<>();
    private final List<HtmlReport.Figure> overlayFigures = new ArrayList<>();
    private final List<HtmlReport.Figure> detailFigures = new ArrayList<>();
    private double wholeImageIou;
    private int images;

    private LocalisationScores() {}

    /**
     * @param shown images for the figures: the first {@value #OVERLAY_IMAGES} in the overlay grid, the first
     *              {@value #DETAIL_IMAGES} with agreement figures
     * @param bar   advanced by one per image
     */
    static LocalisationScores run(HeldOut enc, List<Sample> samples, PreprocessConfig preprocess, List<Integer> shown,
                                  Path outDir, ProgressBar bar) throws IOException {
        return run(enc, samples, preprocess, shown, outDir, "", null, DETAIL_IMAGES, bar);
    }

    /**
     * As {@link #run(HeldOut, List, PreprocessConfig, List, Path, ProgressBar)} with other figure file
     * names, for a second model: {@code overlays{suffix}.png} and {@code localization{suffix}_{k}.png}.
     *
     * @param modelName    named in the overlay figure's title, or null
     * @param detailImages how many images get a per-threshold agreement figure (0 for none)
     */
    static LocalisationScores run(HeldOut enc, List<Sample> samples, PreprocessConfig preprocess, List<Integer> shown,
                                  Path outDir, String suffix, String modelName, int detailImages, ProgressBar bar)
            throws IOException {
        LocalisationScores ls = new LocalisationScores();
        Map<HeatmapMethod, List<ImageScore>> scores = new EnumMap<>(HeatmapMethod.class);
        Map<HeatmapMethod, List<ImageScore>> large = new EnumMap<>(HeatmapMethod.class);
        Map<HeatmapMethod, List<ImageScore>> small = new EnumMap<>(HeatmapMethod.class);
        Map<Integer, Map<HeatmapMethod, float[][]>> heatOf = new LinkedHashMap<>();
        Map<Integer, Map<HeatmapMethod, List<ImageScore>>> scoresOf = new LinkedHashMap<>();
        double wholeImage = 0;
        for (Sample s : samples) {
            int w = s.photo().width(), h = s.photo().height();
            CropGeometry geometry = CropGeometry.of(preprocess, w, h);
            wholeImage += (double) s.truth().area() / ((long) w * h); // IoU of "everything" with the object
            for (HeatmapMethod m : METHODS) {
                float[][] grid = (m == HeatmapMethod.CLS_LAST ? enc.clsLast() : enc.rollout())[s.index()];
                float[][] heat = EvaluationFrame.ORIGINAL.heatmap(HeatmapMethod.upsample(grid, preprocess.size()),
                        geometry); // [H, W] in [0, 1]
                List<ImageScore> sc = Localization.score("image " + s.index(), heat, s.truth(), THRESHOLDS);
                scores.computeIfAbsent(m, k -> new ArrayList<>()).addAll(sc);
                (s.isLarge() == 1 ? large : small).computeIfAbsent(m, k -> new ArrayList<>()).addAll(sc);
                if (shown.indexOf(s.index()) >= 0 && shown.indexOf(s.index()) < OVERLAY_IMAGES) {
                    heatOf.computeIfAbsent(s.index(), k -> new EnumMap<>(HeatmapMethod.class)).put(m, heat);
                    scoresOf.computeIfAbsent(s.index(), k -> new EnumMap<>(HeatmapMethod.class)).put(m, sc);
                }
            }
            bar.step();
        }
        ls.images = samples.size();
        ls.wholeImageIou = wholeImage / samples.size();

        Map<String, Object> methods = new LinkedHashMap<>();
        for (HeatmapMethod m : METHODS) {
            List<ThresholdSummary> t = Localization.summarize(scores.get(m), THRESHOLDS);
            ls.byMethod.put(m, t);
            methods.put(m.id(), t);
        }
        Map<String, Object> bySize = new LinkedHashMap<>();
        for (var e : List.of(Map.entry("large", large), Map.entry("small", small))) {
            Map<String, Object> perMethod = new LinkedHashMap<>();
            List<Object> row = new ArrayList<>(List.of(e.getKey() + " objects"));
            for (HeatmapMethod m : METHODS) {
                List<ImageScore> sc = e.getValue().getOrDefault(m, List.of());
                List<ThresholdSummary> t = Localization.summarize(sc, THRESHOLDS);
                perMethod.put(m.id(), t);
                row.add(sc.size() / THRESHOLDS.length);
                row.add(t.get(1).meanIou()); // at 0.5
            }
            bySize.put(e.getKey(), perMethod);
            ls.sizeRows.add(List.of(row.get(0), row.get(1), row.get(2), row.get(4)));
        }

        ls.writeOverlays(samples, shown, heatOf, scoresOf, outDir, suffix, modelName, detailImages);

        ls.summary.put("images", samples.size());
        ls.summary.put("frame", "original");
        ls.summary.put("upsampling", "bicubic to the model input, min-max normalised");
        ls.summary.put("thresholds", THRESHOLDS);
        ls.summary.put("methods", methods);
        ls.summary.put("by_size", bySize);
        ls.summary.put("whole_image_iou", ls.wholeImageIou);
        List<String> files = new ArrayList<>();
        files.add("overlays" + suffix + ".png");
        for (int k = 1; k <= Math.min(detailImages, heatOf.size()); k++) {
            files.add("localization" + suffix + "_" + k + ".png");
        }
        ls.summary.put("files", files);
        return ls;
    }

    /** The overlay grid (photo with truth, each method's heatmap) and the per-threshold agreement figures. */
    private void writeOverlays(List<Sample> samples, List<Integer> shown,
                               Map<Integer, Map<HeatmapMethod, float[][]>> heatOf,
                               Map<Integer, Map<HeatmapMethod, List<ImageScore>>> scoresOf, Path outDir,
                               String suffix, String modelName, int detailImages) throws IOException {
        Heatmap overlay = Heatmap.defaults();
        Panel.Builder grid = Panel.builder().columns(1 + METHODS.size()).tileSize(TILE, TILE)
                .title((modelName == null ? "" : modelName + ": ") + "attention over the image; white outline: the"
                        + " true object");
        int detail = 0;
        for (int index : shown) {
            Map<HeatmapMethod, float[][]> heats = heatOf.get(index);
            if (heats == null) {
                continue;
            }
            Sample s = samples.get(index);
            BufferedImage photo = s.photo().toBufferedImage();
            grid.add("image " + index + ": " + s.label(), LocalizationFigure.outline(photo, s.truth()));
            for (HeatmapMethod m : METHODS) {
                double iou = scoresOf.get(index).get(m).get(1).iou();
                grid.add(String.format(Locale.ROOT, "%s, IoU@0.5 %.2f", m.id(), iou),
                        LocalizationFigure.outline(overlay.overlay(photo, heats.get(m)), s.truth()));
            }
            if (detail < detailImages) {
                detail++;
                LocalizationFigure fig = LocalizationFigure.of(s.photo(), s.truth(), 256)
                        .title("image " + index + ": " + s.label() + " (green: hit, red: false alarm, blue: missed)");
                for (HeatmapMethod m : METHODS) {
                    fig.addRow(m.id(), heats.get(m), scoresOf.get(index).get(m));
                }
                Path png = outDir.resolve("localization" + suffix + "_" + detail + ".png");
                fig.write(png);
                detailFigures.add(HtmlReport.figure("image " + index + ": " + s.label(), png));
            }
        }
        Path png = outDir.resolve("overlays" + suffix + ".png");
        grid.write(png);
        overlayFigures.add(HtmlReport.figure((modelName == null ? "" : modelName + ": ")
                + "last-layer CLS attention and rollout over held-out images", png));
    }

    @Override
    public String key() {
        return "localization";
    }

    @Override
    public Object summary() {
        return summary;
    }

    /** Mean IoU of a method at a threshold (for the console summary). */
    double meanIou(HeatmapMethod m, double threshold) {
        for (ThresholdSummary t : byMethod.get(m)) {
            if (t.threshold() == threshold) {
                return t.meanIou();
            }
        }
        throw new IllegalArgumentException("no threshold " + threshold);
    }

    /** Per threshold, in the order of {@link #THRESHOLDS}: mean IoU and share of images above it. */
    List<ThresholdSummary> rows(HeatmapMethod m) {
        return byMethod.get(m);
    }

    /** Mean IoU of marking the whole image, for scale. */
    double wholeImageIou() {
        return wholeImageIou;
    }

    /** The overlay grid (photos with the true outline and each method's heatmap). */
    List<HtmlReport.Figure> overlayFigures() {
        return overlayFigures;
    }

    @Override
    public void report(HtmlReport html) {
        List<List<Object>> rows = new ArrayList<>();
        for (int t = 0; t < THRESHOLDS.length; t++) {
            List<Object> row = new ArrayList<>();
            row.add(String.format(Locale.ROOT, "%.1f", THRESHOLDS[t]));
            for (HeatmapMethod m : METHODS) {
                row.add(byMethod.get(m).get(t).meanIou());
            }
            for (HeatmapMethod m : METHODS) {
                row.add(byMethod.get(m).get(t).fractionAbove());
            }
            rows.add(row);
        }
        html.section("4. Attention rollout and localisation")
                .paragraph("Does the attention point at the object? Two maps per image: the last layer's class-token"
                        + " attention averaged over heads (cls-last, the ViTX recipe) and attention rollout (Abnar &"
                        + " Zuidema 2020: the attention of every layer, mixed with the identity for the residual path,"
                        + " multiplied through the layers). Each is upsampled bicubically to the image, stretched to"
                        + " [0, 1], cut at a threshold, and the pixels above it are compared with the object's true"
                        + " mask by intersection over union (IoU).")
                .figures(overlayFigures)
                .paragraph(String.format(Locale.ROOT, "Over all %d held-out images: the mean IoU, and the share of"
                        + " images whose IoU at a threshold is at least that threshold. For scale: marking the whole"
                        + " image would give a mean IoU of %.3f (the objects cover that share of the image on"
                        + " average); a perfect map gives 1.", images, wholeImageIou))
                .table(List.of("threshold", "mean IoU, cls-last", "mean IoU, rollout", "IoU ≥ threshold, cls-last",
                        "IoU ≥ threshold, rollout"), rows)
                .paragraph("Mean IoU at threshold 0.5 by object size (small objects cover a few patches only):")
                .table(List.of("objects", "images", "cls-last", "rollout"), sizeRows)
                .paragraph("Per threshold, for two images: green pixels are above the threshold and on the object,"
                        + " red above it but off the object, blue on the object but missed.")
                .figures(detailFigures);
    }
}
