package dev.vitj.examples.demo;

import dev.vitj.core.data.ShapesDataset.Shape;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How well a classifier names the shape of the held-out images, when its head's classes are named
 * ({@code label_names} of a timm {@code config.json}) and those names include the five shapes. Classes
 * are matched by name, not by position, so a head with its classes in another order, or with more classes,
 * is scored correctly; with more classes the prediction is the best-scoring of the five shape classes.
 */
final class ShapeAccuracy {
    private final List<String> labelNames;
    private final int[][] confusion; // [true shape][predicted shape]
    private final int images;
    private final int correct;
    private final int extraClasses;

    private ShapeAccuracy(List<String> labelNames, int[][] confusion, int images, int correct, int extraClasses) {
        this.labelNames = labelNames;
        this.confusion = confusion;
        this.images = images;
        this.correct = correct;
        this.extraClasses = extraClasses;
    }

    /**
     * Why a model's head cannot be scored on the shapes, or null when it can.
     *
     * @param labelNames the head's class names, or null
     * @param numClasses the head's outputs (0: no head)
     */
    static String unusable(List<String> labelNames, int numClasses) {
        if (numClasses < 1) {
            return "the model has no classifier head";
        }
        if (labelNames == null) {
            return "the model's classes have no names (no label_names in its config.json), so they cannot be"
                    + " matched to the shapes";
        }
        if (labelNames.size() != numClasses) {
            return "the model lists " + labelNames.size() + " label_names for a head of " + numClasses + " classes";
        }
        List<String> missing = new ArrayList<>();
        for (Shape s : Shape.values()) {
            if (classOf(labelNames, s) < 0) {
                missing.add(s.word());
            }
        }
        if (!missing.isEmpty()) {
            return "the model's label_names " + abbreviate(labelNames) + " do not name the shape(s) "
                    + String.join(", ", missing);
        }
        return null;
    }

    /**
     * Scores the head's outputs.
     *
     * @param logits {@code [n][C]} the head's outputs per image
     * @param truth  the true shape of each image, as the ordinal of {@link Shape}
     * @throws IllegalArgumentException when {@link #unusable} gives a reason, or the sizes disagree
     */
    static ShapeAccuracy score(List<String> labelNames, float[][] logits, int[] truth) {
        String why = unusable(labelNames, labelNames == null ? 0 : labelNames.size());
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        if (logits.length != truth.length) {
            throw new IllegalArgumentException(logits.length + " rows of logits for " + truth.length + " images");
        }
        Shape[] shapes = Shape.values();
        int[] column = new int[shapes.length]; // head output of each shape
        for (Shape s : shapes) {
            column[s.ordinal()] = classOf(labelNames, s);
        }
        int[][] confusion = new int[shapes.length][shapes.length];
        int correct = 0;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i].length != labelNames.size()) {
                throw new IllegalArgumentException("image " + i + ": " + logits[i].length + " logits for "
                        + labelNames.size() + " named classes");
            }
            int best = 0;
            for (int k = 1; k < shapes.length; k++) {
                if (logits[i][column[k]] > logits[i][column[best]]) {
                    best = k;
                }
            }
            confusion[truth[i]][best]++;
            correct += truth[i] == best ? 1 : 0;
        }
        return new ShapeAccuracy(labelNames, confusion, logits.length, correct, labelNames.size() - shapes.length);
    }

    /** The head output named like the shape (case and surrounding blanks ignored), or -1. */
    private static int classOf(List<String> labelNames, Shape s) {
        for (int c = 0; c < labelNames.size(); c++) {
            if (labelNames.get(c).strip().toLowerCase(Locale.ROOT).equals(s.word())) {
                return c;
            }
        }
        return -1;
    }

    private static String abbreviate(List<String> names) {
        return names.size() <= 8 ? names.toString()
                : names.subList(0, 8).toString().replace("]", ", ... (" + names.size() + " in all)]");
    }

    /** Images scored. */
    int images() {
        return images;
    }

    /** Share of images whose shape is named correctly. */
    double accuracy() {
        return (double) correct / images;
    }

    /** Accuracy of always answering the most frequent shape of these images. */
    double chance() {
        int most = 0;
        for (int[] row : confusion) {
            int n = 0;
            for (int v : row) {
                n += v;
            }
            most = Math.max(most, n);
        }
        return (double) most / images;
    }

    /** Per true shape: its images and the share named correctly (NaN for a shape without images). */
    Map<String, Map<String, Object>> perShape() {
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        for (Shape s : Shape.values()) {
            int[] row = confusion[s.ordinal()];
            int n = 0;
            for (int v : row) {
                n += v;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("images", n);
            m.put("accuracy", n == 0 ? Double.NaN : (double) row[s.ordinal()] / n);
            out.put(s.word(), m);
        }
        return out;
    }

    /** For summary.json. */
    Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("task", "name the shape (circle, square, triangle, cross, star) of each held-out image");
        m.put("label_names", labelNames);
        if (extraClasses > 0) {
            m.put("note", "the head has " + extraClasses + " classes besides the shapes; the prediction is the"
                    + " best-scoring shape class");
        }
        m.put("images", images);
        m.put("accuracy", accuracy());
        m.put("chance", chance());
        m.put("per_shape", perShape());
        List<String> names = new ArrayList<>();
        for (Shape s : Shape.values()) {
            names.add(s.word());
        }
        m.put("confusion_labels", names);
        m.put("confusion", confusion); // [true][predicted]
        return m;
    }

    /** Rows for the report: shape, images, accuracy. */
    List<List<Object>> rows() {
        List<List<Object>> rows = new ArrayList<>();
        perShape().forEach((shape, m) -> rows.add(List.of(shape, m.get("images"), m.get("accuracy"))));
        rows.add(List.of("all", images, accuracy()));
        return rows;
    }
}
