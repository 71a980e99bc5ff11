package dev.vitj.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.vitj.core.testing.Fixtures;
import dev.vitj.examples.Cli.Result;
import dev.vitj.examples.demo.Demo;
import dev.vitj.examples.report.SummaryJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.vitj.examples.Cli.assertUsageError;
import static dev.vitj.examples.Cli.vitj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vitj demo} end to end on the random-weight {@code openclip-tiny} fixture (the plumbing, not the
 * numbers: a random model's AUCs and IoUs mean nothing, but they must be well-formed and consistent).
 */
class DemoCommandTest {
    @TempDir
    Path tmp;

    private static final List<String> PNGS = List.of("roc.png", "pca.png", "retrieval.png", "attention_1.png",
            "attention_2.png", "attention_3.png", "overlays.png", "localization_1.png", "localization_2.png");
    /** What a second model adds; the side-by-side attention figures replace attention_1..3 in the report. */
    private static final List<String> COMPARE_PNGS = List.of("attention_compare_1.png", "attention_compare_2.png",
            "attention_compare_3.png", "overlays_compare.png");

    @Test
    void writesReportSummaryAndFigures() throws IOException {
        Path out = tmp.resolve("demo");
        Result r = vitj("demo", "--model", Fixtures.path("openclip-tiny").toString(),
                "--images", "40", "--out", out.toString());
        assertEquals(0, r.code(), r.err());

        for (String name : PNGS) {
            Path png = out.resolve(name);
            BufferedImage img = ImageIO.read(png.toFile());
            assertNotNull(img, name + " is not a readable PNG");
            assertTrue(img.getWidth() > 100 && img.getHeight() > 100, name + " is only " + img.getWidth() + "x"
                    + img.getHeight());
        }

        String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        assertTrue(html.startsWith("<!DOCTYPE html>"), "report.html is not an HTML document");
        // Offline: every image inlined, nothing fetched from elsewhere.
        assertEquals(PNGS.size(), count(html, "src=\"data:image/png;base64,"), "one inlined image per figure");
        assertFalse(html.contains("src=\"http") || html.contains("href=\"http") || html.contains("<script"),
                "report.html must not load anything");
        for (String heading : List.of("Large vs small", "retrieval", "attention per layer and head",
                "rollout and localisation")) {
            assertTrue(html.contains(heading), "report.html lacks the section '" + heading + "'");
        }

        JsonNode s = SummaryJson.read(out.resolve("summary.json"));
        for (String key : List.of("vitj_version", "model", "data", "size_classification", "retrieval", "attention_maps",
                "localization", "timings_s")) {
            assertTrue(s.has(key), "summary.json lacks '" + key + "': " + s);
        }
        assertEquals(40, s.at("/data/held_out_images").asInt());
        assertEquals(64, s.at("/model/image_size").asInt());

        JsonNode size = s.get("size_classification");
        assertEquals(40, size.get("test_images").asInt());
        assertEquals(40, size.get("train_images").asInt());
        for (String method : List.of("zero_shot", "linear_probe")) {
            for (String metric : List.of("auc", "accuracy", "balanced_accuracy")) {
                assertUnit(size.at("/" + method + "/" + metric), method + "." + metric);
            }
        }
        assertEquals(35, size.at("/zero_shot/templates_per_class").asInt());

        JsonNode retrieval = s.get("retrieval");
        assertEquals(3, retrieval.get("queries").size());
        for (JsonNode q : retrieval.get("queries")) {
            JsonNode ns = q.get("neighbours");
            assertEquals(5, ns.size());
            for (int k = 0; k < ns.size(); k++) {
                assertTrue(ns.get(k).get("image").asInt() != q.get("image").asInt(), "a query is its own neighbour");
                assertTrue(Math.abs(ns.get(k).get("cosine").asDouble()) <= 1 + 1e-5);
                if (k > 0) {
                    assertTrue(ns.get(k).get("cosine").asDouble() <= ns.get(k - 1).get("cosine").asDouble(),
                            "neighbours must be sorted best first");
                }
            }
        }
        for (String attr : List.of("shape", "size", "colour")) {
            assertUnit(retrieval.at("/precision_at_k/" + attr), "precision_at_k." + attr);
            assertUnit(retrieval.at("/chance/" + attr), "chance." + attr);
        }

        JsonNode attention = s.get("attention_maps");
        assertEquals(3, attention.get("layers").asInt());
        assertEquals(3, attention.get("heads").asInt());

        assertLocalization(s.get("localization"), 40);
        assertFalse(s.has("compare"), "a model directory without --compare is analysed alone");
        assertTrue(r.err().contains("localisation"), "progress bars on stderr expected: " + r.err());
    }

    @Test
    void timmModelRunsEverythingButZeroShot() throws IOException {
        // timm's crop_pct 0.9 crops the rendered images: localisation is scored in the original frame.
        Path out = tmp.resolve("timm");
        Result r = vitj("demo", "--model", Fixtures.path("timm-vit-tiny").toString(),
                "--images", "20", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode s = SummaryJson.read(out.resolve("summary.json"));
        assertEquals("timm", s.at("/model/format").asText());
        assertFalse(s.get("size_classification").has("zero_shot"), "a model without text tower has no zero-shot");
        assertUnit(s.at("/size_classification/linear_probe/auc"), "linear_probe.auc");
        assertUnit(s.at("/localization/methods/rollout/1/mean_iou"), "rollout mean_iou");
        for (String name : PNGS) {
            assertTrue(Files.isRegularFile(out.resolve(name)), name + " missing");
        }
        assertTrue(Files.readString(out.resolve("report.html")).contains("no text tower"));
    }

    @Test
    void rejectsBadArguments() {
        assertUsageError(vitj("demo", "--images", "5", "--out", tmp.toString()), "--images");
        assertUsageError(vitj("demo", "--seed", "x", "--out", tmp.toString()), "--seed");
        assertUsageError(vitj("demo", "--model", tmp.resolve("missing").toString(), "--out", tmp.toString()),
                "no such directory");
        assertUsageError(vitj("demo", "extra"), "unexpected argument");
        String clip = Fixtures.path("openclip-tiny").toString();
        assertUsageError(vitj("demo", "--model", clip, "--compare", tmp.resolve("missing").toString(), "--out",
                tmp.toString()), "--compare");
        assertUsageError(vitj("demo", "--model", clip, "--compare", tmp.toString(), "--out", tmp.toString()),
                "--compare");
        assertUsageError(vitj("demo", "--model", clip, "--compare", Fixtures.path("timm-vit-tiny").toString(),
                "--no-compare", "--out", tmp.toString()), "--no-compare");
    }

    @Test
    void defaultModelIsEmbeddedOrClearlyMissing() throws IOException {
        if (Demo.embeddedModelAvailable()) {
            // The default path end to end on the embedded model (small, so seconds).
            Path out = tmp.resolve("embedded");
            Result r = vitj("demo", "--images", "20", "--out", out.toString());
            assertEquals(0, r.code(), r.err());
            JsonNode s = SummaryJson.read(out.resolve("summary.json"));
            assertTrue(s.at("/model/embedded").asBoolean(), "summary.json should name the embedded model: " + s);
            // Next to the embedded CLIP: the embedded ViT classifier, when the build carries it.
            assertEquals(Demo.embeddedVitAvailable(), s.has("compare"), "compare entry: " + s.get("compare"));
            if (s.has("compare")) {
                assertTrue(s.at("/compare/model/embedded").asBoolean(), s.get("compare").toString());
            }
        } else {
            assertUsageError(vitj("demo", "--out", tmp.toString()), "--model DIR");
        }
    }

    @Test
    void comparesASecondModelSideBySide() throws IOException {
        Path out = tmp.resolve("compare");
        Result r = vitj("demo", "--model", Fixtures.path("openclip-tiny").toString(),
                "--compare", Fixtures.path("timm-vit-tiny").toString(), "--images", "20", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> pngs = new ArrayList<>(PNGS);
        pngs.addAll(COMPARE_PNGS);
        for (String name : pngs) {
            BufferedImage img = ImageIO.read(out.resolve(name).toFile());
            assertNotNull(img, name + " is not a readable PNG");
        }
        // Side by side: wider than the first model's grid alone, and at least as tall.
        BufferedImage one = ImageIO.read(out.resolve("attention_1.png").toFile());
        BufferedImage both = ImageIO.read(out.resolve("attention_compare_1.png").toFile());
        assertTrue(both.getWidth() > 1.5 * one.getWidth() && both.getHeight() >= one.getHeight(),
                "side-by-side figure " + both.getWidth() + "x" + both.getHeight() + " vs single " + one.getWidth() + "x"
                        + one.getHeight());

        String html = Files.readString(out.resolve("report.html"), StandardCharsets.UTF_8);
        assertEquals(PNGS.size() - 3 + COMPARE_PNGS.size(), count(html, "src=\"data:image/png;base64,"),
                "one inlined image per figure, the side-by-side attention figures instead of the single ones");
        assertTrue(html.contains("A second model side by side"), "report.html lacks the comparison section");

        JsonNode s = SummaryJson.read(out.resolve("summary.json"));
        assertEquals("open_clip", s.at("/model/format").asText());
        JsonNode c = s.get("compare");
        assertNotNull(c, "summary.json lacks 'compare': " + s);
        assertEquals("timm", c.at("/model/format").asText());
        assertTrue(c.at("/model/source").asText().contains("timm-vit-tiny"), c.at("/model/source").toString());
        assertEquals(3, c.at("/model/vision_layers").asInt());
        assertEquals(3, c.at("/attention_maps/layers").asInt());
        assertEquals(3, c.at("/attention_maps/heads").asInt());
        assertEquals(s.at("/attention_maps/images"), c.at("/attention_maps/images"), "the same showcase images");
        assertEquals(List.of("attention_compare_1.png", "attention_compare_2.png", "attention_compare_3.png"),
                new ObjectMapper().convertValue(c.at("/attention_maps/files"), List.class));
        assertLocalization(s.get("localization"), 20);
        assertLocalization(c.get("localization"), 20);
        // Both models are scored in the frame of the same rendered images against the same masks.
        assertEquals(s.at("/localization/whole_image_iou").asDouble(), c.at("/localization/whole_image_iou").asDouble(),
                0.0);
        assertEquals(List.of("overlays_compare.png"),
                new ObjectMapper().convertValue(c.at("/localization/files"), List.class));
        // The fixture's head has no label_names: no shape accuracy, and the summary says why.
        assertTrue(c.at("/shape_classification/skipped").asText().contains("label_names"),
                "expected a note on the missing label names: " + c.get("shape_classification"));
        for (String stage : List.of("load_compare_model", "embed_compare", "localisation_compare")) {
            assertTrue(s.at("/timings_s/" + stage).isNumber(), "timings_s lacks " + stage + ": " + s.get("timings_s"));
        }
        assertTrue(r.err().contains("comparison model"), "progress bars of the comparison stages expected: " + r.err());
    }

    @Test
    void comparisonClassifierNamingTheShapesIsScored() throws IOException {
        // The timm fixture with its five classes named as the shapes, in another order than ShapesDataset's:
        // classes are matched by name. Its weights are read in place through a link.
        Path fixture = Fixtures.path("timm-vit-tiny");
        Path named = Files.createDirectories(tmp.resolve("named"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(fixture.resolve("config.json").toFile());
        List<String> names = List.of("star", "Cross", "triangle", "square", "circle");
        names.forEach(config.putArray("label_names")::add);
        json.writeValue(named.resolve("config.json").toFile(), config);
        Files.createSymbolicLink(named.resolve("model.safetensors"),
                fixture.resolve("model.safetensors").toAbsolutePath());

        Path out = tmp.resolve("named-out");
        Result r = vitj("demo", "--model", fixture.toString(), "--compare", named.toString(),
                "--images", "20", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode summary = SummaryJson.read(out.resolve("summary.json"));
        // The same weights as the first model: the same attention, so the same localisation scores.
        assertEquals(summary.at("/localization/methods"), summary.at("/compare/localization/methods"));
        JsonNode sc = summary.at("/compare/shape_classification");
        assertFalse(sc.has("skipped"), sc.toString());
        assertEquals(names, json.convertValue(sc.get("label_names"), List.class));
        assertEquals(20, sc.get("images").asInt());
        assertUnit(sc.get("accuracy"), "accuracy");
        assertUnit(sc.get("chance"), "chance");
        assertTrue(sc.get("chance").asDouble() >= 0.2, "the most frequent of 5 shapes has at least a fifth");
        JsonNode confusion = sc.get("confusion"); // [true][predicted], shapes in ShapesDataset order
        assertEquals(5, confusion.size());
        int total = 0, diagonal = 0;
        List<String> shapes = List.of("circle", "square", "triangle", "cross", "star");
        for (int t = 0; t < 5; t++) {
            int row = 0;
            for (int p = 0; p < 5; p++) {
                row += confusion.get(t).get(p).asInt();
            }
            JsonNode per = sc.at("/per_shape/" + shapes.get(t));
            assertEquals(row, per.get("images").asInt(), shapes.get(t));
            if (row > 0) {
                assertEquals((double) confusion.get(t).get(t).asInt() / row, per.get("accuracy").asDouble(), 1e-12);
            }
            total += row;
            diagonal += confusion.get(t).get(t).asInt();
        }
        assertEquals(20, total);
        assertEquals(diagonal / 20.0, sc.get("accuracy").asDouble(), 1e-12);
        assertTrue(Files.readString(out.resolve("report.html")).contains("Naming the shape"));
    }

    /** The localisation entry: per method 3 thresholds over {@code n} images; the size split adds up. */
    private static void assertLocalization(JsonNode loc, int n) {
        assertEquals(n, loc.get("images").asInt());
        assertUnit(loc.get("whole_image_iou"), "whole_image_iou");
        for (String method : List.of("cls-last", "rollout")) {
            JsonNode rows = loc.at("/methods/" + method);
            assertEquals(3, rows.size(), method);
            double[] thresholds = {0.3, 0.5, 0.7};
            for (int t = 0; t < 3; t++) {
                JsonNode row = rows.get(t);
                assertEquals(thresholds[t], row.get("threshold").asDouble(), 0.0);
                assertEquals(n, row.get("images").asInt());
                assertUnit(row.get("mean_iou"), method + " mean_iou");
                assertUnit(row.get("fraction_above"), method + " fraction_above");
            }
            // The by-size rows split the same images: their counts add up and the means average to the total.
            JsonNode large = loc.at("/by_size/large/" + method).get(1);
            JsonNode small = loc.at("/by_size/small/" + method).get(1);
            int nl = large.get("images").asInt(), ns = small.get("images").asInt();
            assertEquals(n, nl + ns);
            double mean = (nl * large.get("mean_iou").asDouble() + ns * small.get("mean_iou").asDouble()) / n;
            assertEquals(rows.get(1).get("mean_iou").asDouble(), mean, 1e-9);
        }
    }

    private static void assertUnit(JsonNode v, String what) {
        assertNotNull(v, what + " missing");
        assertTrue(v.isNumber(), what + " is not a number: " + v);
        assertTrue(v.asDouble() >= 0 && v.asDouble() <= 1, what + " = " + v + " is outside [0, 1]");
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
