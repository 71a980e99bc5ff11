package dev.vitj.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.vitj.core.image.ImageDecoder;
import dev.vitj.core.image.ImagePreprocessor;
import dev.vitj.core.image.RasterImage;
import dev.vitj.core.testing.Fixtures;
import dev.vitj.examples.Cli.Result;
import dev.vitj.examples.report.SummaryJson;
import dev.vitj.vit.ForwardOptions;
import dev.vitj.vit.VisionModelLoader;
import dev.vitj.vit.VitCheckpoint;
import dev.vitj.vit.localize.BinaryMask;
import dev.vitj.vit.localize.CocoRle;
import dev.vitj.vit.localize.CropGeometry;
import dev.vitj.vit.localize.EvaluationFrame;
import dev.vitj.vit.localize.HeatmapMethod;
import dev.vitj.vit.localize.Localization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static dev.vitj.examples.Cli.assertUsageError;
import static dev.vitj.examples.Cli.vitj;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code vitj localize} on the fixture models with ground truth built here: boxes, masks and CheXlocalize
 * RLE for the fixture photos. The IoUs are checked against the library pipeline run step by step.
 */
class LocalizeCommandTest {
    @TempDir
    Path tmp;

    private static Path timm;
    private static Path openClip;

    /** Boxes (x_min, y_min, x_max, y_max) per fixture photo, in original pixels. */
    private static final Map<String, double[][]> BOXES = Map.of(
            "astronaut", new double[][] {{140, 40, 330, 260}, {300, 250, 470, 500}},
            "chelsea", new double[][] {{120, 40, 330, 260}},
            "coffee", new double[][] {{60, 80, 420, 380}});

    @BeforeAll
    static void fixtures() {
        timm = Fixtures.path("timm-vit-tiny");
        openClip = Fixtures.path("openclip-tiny");
    }

    private Path images(Path from, String... names) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("images"));
        for (String n : names) {
            Files.copy(from.resolve(n + ".png"), dir.resolve(n + ".png"));
        }
        return dir;
    }

    private Path boxesCsv(String... names) throws IOException {
        StringBuilder sb = new StringBuilder("image,x_min,y_min,x_max,y_max,label\n");
        for (String n : names) {
            for (double[] b : BOXES.get(n)) {
                sb.append(n).append(".png,").append(b[0]).append(',').append(b[1]).append(',').append(b[2]).append(',')
                        .append(b[3]).append(",object\n");
            }
        }
        return Files.writeString(tmp.resolve("boxes.csv"), sb.toString());
    }

    private static BinaryMask boxMask(Path image, String name) throws IOException {
        RasterImage img = ImageDecoder.read(image);
        return BinaryMask.fromBoxes(img.height(), img.width(), BOXES.get(name));
    }

    /** results.csv as rows of fields (no quoting needed for these keys). */
    private static List<String[]> results(Path out) throws IOException {
        List<String> lines = Files.readAllLines(out.resolve("results.csv"));
        assertEquals("image,method,threshold,iou,predicted_area,truth_area", lines.get(0));
        List<String[]> rows = new ArrayList<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            assertEquals(6, f.length, l);
            double iou = Double.parseDouble(f[3]);
            assertTrue(iou >= 0 && iou <= 1, l);
            rows.add(f);
        }
        return rows;
    }

    private static final Map<Path, VitCheckpoint> MODELS = new HashMap<>();

    /** The same pipeline from library pieces, one image at a time: forward, grid, upsample, frame, score. */
    private static List<Localization.ImageScore> expected(Path modelDir, Path image, String key, BinaryMask truth,
                                                          HeatmapMethod method, EvaluationFrame frame,
                                                          double... thresholds) throws IOException {
        VitCheckpoint ck = MODELS.computeIfAbsent(modelDir, d -> {
            try {
                return VisionModelLoader.load(d);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        ImagePreprocessor pre = ck.preprocessor();
        RasterImage img = ImageDecoder.read(image);
        int s = pre.config().size();
        INDArray x = Nd4j.create(pre.pixels(img), new long[] {1, 3, s, s}, DataType.FLOAT);
        List<INDArray> attn = ck.model().forward(x, ForwardOptions.none().withAttention(true)).attention();
        float[][] crop = HeatmapMethod.upsample(method.grids(attn)[0], s);
        CropGeometry g = CropGeometry.of(pre.config(), img.width(), img.height());
        return Localization.score(key, frame.heatmap(crop, g), frame.truth(truth, g), thresholds);
    }

    private static void assertRowsMatch(List<String[]> rows, String key, String method,
                                        List<Localization.ImageScore> expected) {
        List<String[]> mine = rows.stream().filter(r -> r[0].equals(key) && r[1].equals(method)).toList();
        assertEquals(expected.size(), mine.size(), key + " " + method);
        for (int i = 0; i < mine.size(); i++) {
            Localization.ImageScore e = expected.get(i);
            String what = key + " " + method + " threshold " + e.threshold();
            assertEquals(e.threshold(), Double.parseDouble(mine.get(i)[2]), what);
            assertEquals(e.iou(), Double.parseDouble(mine.get(i)[3]), 5e-7, what);
            assertEquals(e.predictedArea(), Long.parseLong(mine.get(i)[4]), what);
            assertEquals(e.truthArea(), Long.parseLong(mine.get(i)[5]), what);
        }
    }

    @Test
    void boxesOnTheTimmModelMatchTheLibraryForBothMethods() throws IOException {
        Path imgs = images(timm, "astronaut", "chelsea", "coffee");
        Path csv = boxesCsv("astronaut", "chelsea", "coffee");
        Path out = tmp.resolve("out");
        Result r = vitj("localize", "--model", timm.toString(), "--images", imgs.toString(),
                "--boxes", csv.toString(), "--method", "cls-last,rollout", "--batch", "2", "--overlay-size", "96",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String[]> rows = results(out);
        assertEquals(3 * 2 * 3, rows.size());
        double[] t = Localization.DEFAULT_THRESHOLDS;
        for (String n : List.of("astronaut", "chelsea", "coffee")) {
            Path img = imgs.resolve(n + ".png");
            for (HeatmapMethod m : HeatmapMethod.values()) {
                assertRowsMatch(rows, n, m.id(), expected(timm, img, n, boxMask(img, n), m, EvaluationFrame.ORIGINAL, t));
            }
            BufferedImage overlay = ImageIO.read(out.resolve("overlays/" + n + ".png").toFile());
            assertNotNull(overlay, n);
        }
        // The two methods give different maps, so different scores somewhere.
        Set<String> distinct = new TreeSet<>();
        rows.forEach(row -> distinct.add(row[0] + row[2] + row[3]));
        assertTrue(distinct.size() > 9, "cls-last and rollout should not agree everywhere");

        JsonNode s = SummaryJson.read(out.resolve("summary.json"));
        assertEquals(3, s.get("images_scored").asInt());
        assertEquals(6, s.get("results").size());
        assertEquals("original", s.get("frame").asText());
        assertEquals(0, s.get("unmatched_images").size());
        for (JsonNode e : s.get("results")) {
            double th = e.get("threshold").asDouble();
            String method = e.get("method").asText();
            double sum = 0;
            int above = 0;
            for (String[] row : rows) {
                if (row[1].equals(method) && Double.parseDouble(row[2]) == th) {
                    double iou = Double.parseDouble(row[3]);
                    sum += iou;
                    above += iou >= th ? 1 : 0;
                }
            }
            assertEquals(3, e.get("images").asInt());
            assertEquals(sum / 3, e.get("mean_iou").asDouble(), 1e-6, method + " " + th);
            assertEquals(above / 3.0, e.get("fraction_above").asDouble(), 1e-12, method + " " + th);
        }
        assertFalse(Files.exists(out.resolve("report.html")));
    }

    @Test
    void maskFolderInTheCropFrameWithUnmatchedImagesAndAReport() throws IOException {
        Path imgs = images(timm, "astronaut", "chelsea", "coffee");
        Path masks = Files.createDirectories(tmp.resolve("masks"));
        Map<String, BinaryMask> truth = new HashMap<>();
        for (String n : List.of("chelsea", "coffee")) { // astronaut has no mask
            RasterImage img = ImageDecoder.read(imgs.resolve(n + ".png"));
            BufferedImage m = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_BYTE_GRAY);
            boolean[][] bits = new boolean[img.height()][img.width()];
            for (int y = 0; y < img.height(); y++) {
                for (int x = 0; x < img.width(); x++) {
                    double dx = (x - 0.45 * img.width()) / (0.25 * img.width());
                    double dy = (y - 0.5 * img.height()) / (0.3 * img.height());
                    bits[y][x] = dx * dx + dy * dy <= 1;
                    m.getRaster().setSample(x, y, 0, bits[y][x] ? 255 : 0);
                }
            }
            ImageIO.write(m, "png", masks.resolve(n + ".png").toFile());
            truth.put(n, BinaryMask.of(bits));
        }
        Path out = tmp.resolve("out");
        Result r = vitj("localize", "--model", timm.toString(), "--images", imgs.toString(),
                "--masks", masks.toString(), "--frame", "crop", "--thresholds", "0.5", "--method", "rollout",
                "--batch", "1", "--report", "--overlay-size", "64", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String[]> rows = results(out);
        assertEquals(2, rows.size());
        for (String n : List.of("chelsea", "coffee")) {
            assertRowsMatch(rows, n, "rollout", expected(timm, imgs.resolve(n + ".png"), n, truth.get(n),
                    HeatmapMethod.ROLLOUT, EvaluationFrame.CROP, 0.5));
        }
        JsonNode s = SummaryJson.read(out.resolve("summary.json"));
        assertEquals("crop", s.get("frame").asText());
        assertEquals(List.of("astronaut.png"), List.of(s.get("unmatched_images").get(0).asText()));
        assertEquals(1, s.get("unmatched_images").size());
        String html = Files.readString(out.resolve("report.html"));
        assertTrue(html.contains("<h2>Summary</h2>") && html.contains("<h2>Overlays</h2>"), html.substring(0, 400));
        assertEquals(2, html.split("src=\"data:image/jpeg;base64,", -1).length - 1);
        assertTrue(Files.isRegularFile(out.resolve("overlays/chelsea.png")));
        assertFalse(Files.exists(out.resolve("overlays/astronaut.png")));
    }

    @Test
    void chexlocalizeWithNestedImageFoldersAndAPathology() throws IOException {
        Path root = tmp.resolve("cxr");
        Path a = Files.createDirectories(root.resolve("patient1/study1")).resolve("view1_frontal.png");
        Path b = Files.createDirectories(root.resolve("patient2/study1")).resolve("view1_frontal.png");
        Files.copy(timm.resolve("chelsea.png"), a);
        Files.copy(timm.resolve("coffee.png"), b);
        BinaryMask chelsea = boxMask(a, "chelsea");
        BinaryMask coffee = boxMask(b, "coffee");
        String json = "{\"patient1_study1_view1_frontal\": {"
                + "\"Edema\": " + rle(chelsea) + ", \"Cardiomegaly\": " + rle(BinaryMask.empty(300, 451)) + "},"
                + " \"patient2_study1_view1_frontal\": {"
                + "\"Edema\": " + rle(BinaryMask.empty(400, 600)) + ", \"Cardiomegaly\": " + rle(coffee) + "},"
                + " \"patient3_study1_view1_frontal\": {\"Edema\": " + rle(BinaryMask.empty(2, 2)) + "}}";
        Path gt = Files.writeString(tmp.resolve("gt_segmentations_val.json"), json);

        Path out = tmp.resolve("edema");
        Result r = vitj("localize", "--model", timm.toString(), "--images", root.toString(),
                "--chexlocalize", gt.toString(), "--pathology", "Edema", "--no-overlays", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String[]> rows = results(out);
        assertEquals(3, rows.size());
        assertRowsMatch(rows, "patient1_study1_view1_frontal", "cls-last", expected(timm, a,
                "patient1_study1_view1_frontal", chelsea, HeatmapMethod.CLS_LAST, EvaluationFrame.ORIGINAL,
                Localization.DEFAULT_THRESHOLDS));
        JsonNode s = SummaryJson.read(out.resolve("summary.json"));
        assertEquals("patient2_study1_view1_frontal", s.get("empty_truth_images").get(0).asText());
        assertEquals(1, s.get("ground_truth_without_image").asInt());
        assertEquals("Edema", s.get("ground_truth").get("pathology").asText());
        assertFalse(Files.exists(out.resolve("overlays")));

        Path all = tmp.resolve("all");
        r = vitj("localize", "--model", timm.toString(), "--images", root.toString(), "--chexlocalize", gt.toString(),
                "--thresholds", "0.4", "--no-overlays", "--out", all.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(2, results(all).size()); // every pathology united: both images have an object

        assertUsageError(vitj("localize", "--model", timm.toString(), "--images", root.toString(), "--chexlocalize",
                gt.toString(), "--pathology", "Pneumothorax", "--out", all.toString()), "Cardiomegaly, Edema");
        Path none = Files.writeString(tmp.resolve("none.json"), "{\"patient1_study1_view1_frontal\": {\"Edema\": "
                + rle(BinaryMask.empty(300, 451)) + "}}");
        // Found only while reading the masks, after the progress bar has started: the error is the last line.
        r = vitj("localize", "--model", timm.toString(), "--images", root.toString(), "--chexlocalize",
                none.toString(), "--no-overlays", "--out", tmp.resolve("none").toString());
        assertEquals(2, r.code(), r.err());
        List<String> lines = r.err().strip().lines().toList();
        assertTrue(lines.get(lines.size() - 1).startsWith("vitj localize: all 1 images with ground truth have an empty"
                + " mask"), r.err());
        assertFalse(Files.exists(tmp.resolve("none/results.csv")));
    }

    @Test
    void worksWithAnOpenClipDirectory() throws IOException {
        Path imgs = images(openClip, "astronaut", "coffee");
        Path csv = boxesCsv("astronaut", "coffee");
        Path out = tmp.resolve("out");
        Result r = vitj("localize", "--model", openClip.toString(), "--images", imgs.toString(),
                "--boxes", csv.toString(), "--label", "object", "--batch", "1", "--overlay-size", "64",
                "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String[]> rows = results(out);
        assertEquals(2 * 3, rows.size());
        Path img = imgs.resolve("coffee.png");
        assertRowsMatch(rows, "coffee", "cls-last", expected(openClip, img, "coffee", boxMask(img, "coffee"),
                HeatmapMethod.CLS_LAST, EvaluationFrame.ORIGINAL, Localization.DEFAULT_THRESHOLDS));
        assertEquals("open_clip", SummaryJson.read(out.resolve("summary.json")).get("model").get("format").asText());
    }

    @Test
    void badArgumentsAreOneLineErrors() throws IOException {
        Path imgs = images(timm, "chelsea");
        Path csv = boxesCsv("chelsea");
        Path out = tmp.resolve("never");
        String m = timm.toString();
        String i = imgs.toString();
        String o = out.toString();
        String c = csv.toString();
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--out", o), "no ground truth");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", c, "--masks", i, "--out", o),
                "give one ground-truth source");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", c, "--out", o,
                "--thresholds", "0.3,abc"), "'abc' is not a number");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", c, "--out", o,
                "--thresholds", "0.5,1.5"), "outside [0, 1]");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", c, "--out", o,
                "--thresholds", "0.5,0.5"), "twice");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", c, "--out", o,
                "--method", "gradcam"), "unknown heatmap method");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", c, "--out", o,
                "--frame", "model"), "unknown evaluation frame");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", c, "--out", o,
                "--pathology", "Edema"), "--pathology goes with --chexlocalize");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", c, "--out", o,
                "--batch", "0"), "--batch");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", c, "--out", o,
                "--label", "dog"), "no box has the label 'dog'");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", c, "--out", c), "not a directory");
        assertUsageError(vitj("localize", "--model", m, "--images", tmp.resolve("none").toString(), "--boxes", c,
                "--out", o), "no such directory");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", c, "--out", o, "extra.png"),
                "unexpected argument");
        Path other = Files.writeString(tmp.resolve("other.csv"), "image,x_min,y_min,x_max,y_max\ndog.png,1,1,5,5\n");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", other.toString(), "--out", o),
                "image keys like 'chelsea'; ground-truth keys like 'dog'");
        Path bad = Files.writeString(tmp.resolve("bad.csv"), "image,x_min,y_min,x_max,y_max\nchelsea.png,1,x,5,5\n");
        assertUsageError(vitj("localize", "--model", m, "--images", i, "--boxes", bad.toString(), "--out", o),
                "bad.csv: line 2");
        assertUsageError(vitj("localize", "--model", i, "--images", i, "--boxes", c, "--out", o),
                "not a recognised model directory");
        assertFalse(Files.exists(out), "no output for a failed run");
    }

    /** A CheXlocalize RLE object for a mask, compressed counts as pycocotools writes them. */
    private static String rle(BinaryMask m) {
        String counts = CocoRle.encodeCounts(CocoRle.fromMask(m)).replace("\\", "\\\\");
        return "{\"size\": [" + m.height() + ", " + m.width() + "], \"counts\": \"" + counts + "\"}";
    }
}
