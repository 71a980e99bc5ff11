package dev.vitj.examples.demo;

import dev.vitj.examples.report.HtmlReport;
import dev.vitj.vit.VitConfig;
import dev.vitj.vit.localize.HeatmapMethod;
import dev.vitj.vit.localize.Localization.ThresholdSummary;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Stage 8 (with a second model): the second model on the same held-out images, next to the first.
 * Its class-token attention appears beside the first model's in section 3 ({@link AttentionGrids}); here
 * are both models' localisation scores in one table, the second model's overlays and, for a classifier
 * whose classes name the shapes, its held-out shape accuracy ({@link ShapeAccuracy}).
 */
final class ModelComparison implements Section {
    private final DemoModel.Loaded main;
    private final DemoModel.Loaded other;
    private final LocalisationScores mainLoc;
    private final LocalisationScores otherLoc;
    private final ShapeAccuracy shapes; // null when skipped
    private final String skipped;       // why shapes is null
    private final Map<String, Object> summary = new LinkedHashMap<>();

    /**
     * @param attention   the second model's attention-grid entry ({@link AttentionGrids#compareSummary})
     * @param shapes      its shape accuracy, or null
     * @param skipped     when {@code shapes} is null: why the shape accuracy was not measured
     */
    ModelComparison(DemoModel.Loaded main, DemoModel.Loaded other, Map<String, Object> otherModelSummary,
                    Map<String, Object> attention, LocalisationScores mainLoc, LocalisationScores otherLoc,
                    ShapeAccuracy shapes, String skipped) {
        if ((shapes == null) == (skipped == null)) {
            throw new IllegalArgumentException("exactly one of a shape accuracy and the reason it is missing");
        }
        this.main = main;
        this.other = other;
        this.mainLoc = mainLoc;
        this.otherLoc = otherLoc;
        this.shapes = shapes;
        this.skipped = skipped;
        summary.put("model", otherModelSummary);
        summary.put("attention_maps", attention);
        summary.put("localization", otherLoc.summary());
        if (shapes != null) {
            summary.put("shape_classification", shapes.summary());
        } else {
            summary.put("shape_classification", Map.of("skipped", skipped));
        }
    }

    /** The second model's shape accuracy, NaN when it was not measured. */
    double shapeAccuracy() {
        return shapes == null ? Double.NaN : shapes.accuracy();
    }

    /** The second model's localisation scores. */
    LocalisationScores localisation() {
        return otherLoc;
    }

    @Override
    public String key() {
        return "compare";
    }

    @Override
    public Object summary() {
        return summary;
    }

    @Override
    public void report(HtmlReport html) {
        String a = main.shortName();
        String b = other.shortName();
        html.section("5. A second model side by side")
                .paragraph("A second model on the same held-out images: " + other.description() + ", called " + b
                        + " here, beside " + a + ", the model of sections 1 to 4. Its class-token attention is shown"
                        + " next to the first model's in section 3; here its localisation is scored exactly as in"
                        + " section 4.")
                .table(List.of("", a, b), modelRows());
        if (other.preprocess().size() != main.preprocess().size() || other.preprocess().cropPct() < 1) {
            html.paragraph(String.format(Locale.ROOT, "The images are rendered at %dx%d pixels for %s; %s's own"
                            + " transform resizes%s them to its %dx%d input, and its heatmaps are mapped back onto the"
                            + " rendered images, so both models are scored against the same masks.",
                    main.preprocess().size(), main.preprocess().size(), a, b,
                    other.preprocess().cropPct() < 1 ? " and centre-crops" : "", other.preprocess().size(),
                    other.preprocess().size()));
        }
        if (other.notes() != null) {
            html.paragraph("About " + b + " (README-models.md shipped with it):").preformatted(other.notes().strip());
        }

        List<String> header = new ArrayList<>(List.of("threshold"));
        List<String> shareHeader = new ArrayList<>(List.of("threshold"));
        for (String model : List.of(a, b)) {
            for (HeatmapMethod m : LocalisationScores.METHODS) {
                header.add(model + ", " + m.id());
                shareHeader.add(model + ", " + m.id());
            }
        }
        List<List<Object>> iou = new ArrayList<>();
        List<List<Object>> share = new ArrayList<>();
        double[] thresholds = LocalisationScores.THRESHOLDS;
        for (int t = 0; t < thresholds.length; t++) {
            List<Object> r = new ArrayList<>(List.of(String.format(Locale.ROOT, "%.1f", thresholds[t])));
            List<Object> s = new ArrayList<>(r);
            for (LocalisationScores loc : List.of(mainLoc, otherLoc)) {
                for (HeatmapMethod m : LocalisationScores.METHODS) {
                    ThresholdSummary row = loc.rows(m).get(t);
                    r.add(row.meanIou());
                    s.add(row.fractionAbove());
                }
            }
            iou.add(r);
            share.add(s);
        }
        html.paragraph(String.format(Locale.ROOT, "Localisation of both models on the same images: mean IoU with"
                        + " the true mask (marking the whole image would give %.3f).", mainLoc.wholeImageIou()))
                .table(header, iou)
                .paragraph("Share of images whose IoU at a threshold is at least that threshold:")
                .table(shareHeader, share)
                .figures(otherLoc.overlayFigures());

        html.paragraph("Naming the shape (" + b + "'s own classifier head, held-out images):");
        if (shapes != null) {
            html.paragraph(String.format(Locale.ROOT, "Accuracy %.3f over %d images; always answering the most"
                            + " frequent shape would give %.3f.", shapes.accuracy(), shapes.images(),
                            shapes.chance()))
                    .table(List.of("true shape", "images", "accuracy"), shapes.rows());
        } else {
            html.paragraph("Not measured: " + skipped + ".");
        }
    }

    private List<List<Object>> modelRows() {
        List<List<Object>> rows = new ArrayList<>();
        VitConfig va = main.vision().config();
        VitConfig vb = other.vision().config();
        rows.add(List.of("format", main.format(), other.format()));
        rows.add(List.of("input", input(va), input(vb)));
        rows.add(List.of("image transformer", tower(va), tower(vb)));
        rows.add(List.of("text tower", main.clip() != null ? "yes" : "none", other.clip() != null ? "yes" : "none"));
        rows.add(List.of("parameters", parameters(main), parameters(other)));
        return rows;
    }

    private static String input(VitConfig v) {
        return v.imgSize() + "x" + v.imgSize() + ", patches of " + v.patchSize() + " (" + v.gridSize() + "x"
                + v.gridSize() + ")";
    }

    private static String tower(VitConfig v) {
        return v.depth() + " layers, " + v.numHeads() + " heads, width " + v.embedDim();
    }

    private static String parameters(DemoModel.Loaded m) {
        long n = m.clip() != null ? m.clip().parameterCount() : m.vision().parameterCount();
        return String.format(Locale.ROOT, "%,d", n);
    }
}
